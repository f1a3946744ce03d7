/**
 * Planted bugs of elementwise fusion (impl/ops/fused_elementwise.ts and its kernel): each a
 * real mistake a fusing recorder could make, and the claims that must catch it.
 *
 * @module
 */
import { type Mutation, mutationsOf } from "./mutation.ts";

const { planted, claims } = mutationsOf("ops");
const RECORDER = "impl/ops/fused_elementwise.ts";
const KERNEL = "impl/ops/kernels/fused_elementwise.ts";
const TESTS = ["spec/ops/fusion_test.ts"];

/** The planted bugs of elementwise fusion. */
export const OPS_FUSION_MUTATIONS: readonly Mutation[] = [
  planted("fusion", "operands_not_opaque", "forward", {
    file: KERNEL,
    find: "  return `let v${d} = f_${op}(o(v${a}, ${k}u), o(v${b}, ${k + 1}u));`;",
    replace: "  return `let v${d} = f_${op}(v${a}, v${b});`;",
    tests: TESTS,
    filter: claims("fusion", "property_bit_identical"),
    why: "a run written as plain straight-line WGSL lets the shader compiler simplify across " +
      "ops under WGSL's finite-math license: on llvmpipe (a + b) − a becomes b, NaN − NaN " +
      "becomes 0 and exp(log(x)) moves by an ulp, where the per-op kernels compute each op alone",
  }),
  planted("fusion", "operand_barrier_a_select", "forward", {
    file: KERNEL,
    find: '"\\nfn o(v: f32, k: u32) -> f32 { return bitcast<f32>(bitcast<u32>(v) ^ (p.z * k)); }"',
    replace: '"\\nfn o(v: f32, k: u32) -> f32 { return select(v, 0.0, p.z == k); }"',
    tests: TESTS,
    filter: claims("fusion", "property_bit_identical"),
    why: "each operand behind a select on a uniform rather than an integer XOR: the compiler " +
      "still simplifies exp(log(x)) across ops, 1–2 ulp off the per-op kernels",
  }),
  planted("fusion", "dead_output_still_stored", "forward", {
    file: RECORDER,
    find: "  r.values[id]!.live = false;\n",
    replace: "",
    tests: TESTS,
    filter: claims("fusion", "property_dispatch_counts"),
    why: "a released output is still written (and still takes a slot), so a run whose outputs " +
      "were all disposed unread still costs a dispatch and runs fill their slots sooner",
  }),
  planted("fusion", "slot_limit_ignored", "forward", {
    file: RECORDER,
    find: "      slotsAfter(run, a, b, out) > maxSlots(device))",
    replace: "      slotsAfter(run, a, b, out) > 1000)",
    tests: TESTS,
    filter: claims("fusion", "property_bit_identical", "property_dispatch_counts"),
    why: "a run grows past the storage buffers one shader stage may bind: its pipeline fails " +
      "validation and the run's outputs are never written",
  }),
  planted("fusion", "size_not_part_of_run", "forward", {
    file: RECORDER,
    find: "(run.device !== device || run.n !== n || ",
    replace: "(run.device !== device || ",
    tests: TESTS,
    filter: claims("fusion", "property_bit_identical"),
    why: "ops on tensors of another size join the open run, whose grid and bound check come " +
      "from its first op: elements past that size are never written",
  }),
  planted("fusion", "size_limit_off_by_one", "forward", {
    file: RECORDER,
    find: "  if (!enabled || n === 0 || n > FUSE_MAX_ELEMENTS) return false;",
    replace: "  if (!enabled || n === 0 || n >= FUSE_MAX_ELEMENTS) return false;",
    tests: TESTS,
    filter: claims("fusion", "property_dispatch_counts"),
    why: "the documented largest fusable size (65536 elements) dispatches op by op",
  }),
  planted("fusion", "clear_before_held_run", "forward", {
    file: "impl/gpu/batch.ts",
    find: "export function openEncoder(): GPUCommandEncoder {\n  recordHeldWork();\n",
    replace: "export function openEncoder(): GPUCommandEncoder {\n",
    tests: TESTS,
    filter: claims("fusion", "property_bit_identical"),
    why: "a clear or a read-back copy is recorded ahead of the held run: a read copies an " +
      "output the run has not written yet, and a zero fill of a buffer the run still reads " +
      "lands before the run reads it",
  }),
  planted("fusion", "dispatch_before_held_run", "forward", {
    file: "impl/gpu/program.ts",
    find: "  // its uniform reservation or its use of the program's binding array.\n" +
      "  recordHeldWork();\n",
    replace: "  // its uniform reservation or its use of the program's binding array.\n",
    tests: TESTS,
    filter: claims("fusion", "property_bit_identical"),
    why: "a non-fused op (a broadcasting add) reading a held output is recorded before the " +
      "run that writes it, and reads a stale buffer",
  }),
  planted("fusion", "refused_op_held", "fault", {
    file: "impl/ops/binary.ts",
    find: '  assertDType(b, "f32", name, "second input");\n',
    replace: "  if (a.size === b.size && !b.disposed) {\n" +
      '    const early = outputLike(a.shape, "f32", name);\n' +
      "    fuseBinary(name, a.buffer, b.buffer, early.buffer, a.size);\n" +
      "    early.dispose();\n" +
      "  }\n" +
      '  assertDType(b, "f32", name, "second input");\n',
    tests: TESTS,
    filter: claims("fusion", "fault_refusal_records_nothing"),
    why: "an op that records its fused op before checking its second operand's dtype leaves " +
      "work in the held run for a call it refused",
  }),
];
