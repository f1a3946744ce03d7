/**
 * Causal-bank mechanisms (asuramaya/decepticons src/decepticons/causal_bank.py
 * and models/causal_bank_torch.py): the linear recurrence with its sequential
 * and division-free chunked forms, and the causal bank's configuration and
 * deterministic decay bank.
 *
 * @example A frozen decay bank run as a scan
 * ```ts
 * import { initGpu, tensor } from "../mod.ts";
 * import { buildDecayBank, CAUSAL_BANK_DEFAULTS, linearRecurrence } from "./mod.ts";
 * import { ok } from "node:assert/strict";
 * await initGpu();
 * const bank = buildDecayBank({ ...CAUSAL_BANK_DEFAULTS, linearModes: 4 });
 * const T = 8;
 * const a = tensor(Array.from({ length: T * 4 }, (_, i) => bank.decays[i % 4]!), [1, T, 4]);
 * const b = tensor(new Array(T * 4).fill(1), [1, T, 4]);
 * const { h, finalState } = linearRecurrence(a, b);
 * ok((await finalState.toFloat32()).every((x) => x > 1 && x <= T));
 * for (const t of [a, b, h, finalState]) t.dispose();
 * ```
 *
 * @module
 */
export * from "./linear_recurrence/linear_recurrence.ts";
export * from "./causal_bank/config.ts";
export * from "./retention/retention.ts";
export * from "./codec/codec.ts";
export * from "./memory/mod.ts";
export * from "./substrate/build.ts";
export * from "./substrate/eigen.ts";
export * from "./substrate/gpu.ts";
export * from "./byte_lm/byte_lm.ts";
export * from "./predictive_coder/predictive_coder.ts";
