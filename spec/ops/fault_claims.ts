/**
 * Fault claims: every documented error condition raises its documented error
 * class, with a message naming the op and the offending shapes or values,
 * before any GPU work and without leaking a buffer; beside each, a control
 * (the same call with valid input) succeeds. Tested in ./fault_test.ts.
 *
 * @module
 */
import { type Claim, declareClaim } from "../_harness/claim.ts";

const SOURCE = "memspec error policy (README: Using the implementation, Errors)";
const BOUND = "figure = fault cases not raising the documented error (wrong class, message, " +
  "leaked buffer, GPU work recorded) plus failed controls; pass = 0";

function fault(id: string, statement: string): Claim {
  return declareClaim({
    id: `ops.api.fault_${id}`,
    family: "ops",
    kind: "fault",
    statement,
    source: SOURCE,
    bound: BOUND,
  });
}

/** Shapes that do not fit: TypeError naming the op and both shapes. */
export const FAULT_SHAPE = fault(
  "shape_mismatch",
  "add, matmul and layerNorm with incompatible shapes throw a TypeError naming the op and both " +
    "shapes, before any GPU work",
);

/** Ranks outside what an op accepts. */
export const FAULT_RANK = fault(
  "wrong_rank",
  "matmul below rank 2 and elementwise ops above rank 8 throw a TypeError naming the op and " +
    "the shape",
);

/** Dtypes an op does not accept. */
export const FAULT_DTYPE = fault(
  "wrong_dtype",
  "exp, add and matmul given an i32 tensor throw a TypeError naming the op and the dtype",
);

/** Sizes beyond the device's buffer limits. */
export const FAULT_SIZE_LIMIT = fault(
  "size_limit",
  "an allocation one element past maxStorageBufferBindingSize (and a matmul whose output " +
    "would be) throws a RangeError before any GPU work, while limit − 1 and limit pass the check",
);

/** A disposed tensor cannot be used. */
export const FAULT_DISPOSED = fault(
  "use_after_dispose",
  "ops and readback given a disposed tensor throw DisposedTensorError and leak no buffer",
);

/** No WebGPU adapter. */
export const FAULT_NO_ADAPTER = fault(
  "no_adapter",
  "initGpu throws NoAdapterError, saying what to install, when requestAdapter returns null or " +
    "throws, and the process's own device stays usable",
);

/** WGSL the validator rejects. */
export const FAULT_KERNEL_VALIDATION = fault(
  "kernel_validation",
  "a kernel the WGSL validator rejects surfaces at the next sync as KernelValidationError with " +
    "the kernel's name, line and column, once; the next valid op runs cleanly",
);

/** tidy() cleans up after a throw. */
export const FAULT_TIDY_THROW = fault(
  "tidy_on_throw",
  "tidy (and nested tidy) rethrows the error of its function and disposes every tensor the " +
    "function created",
);

/** backward() where no gradient can flow. */
export const FAULT_BACKWARD = fault(
  "backward_without_grad",
  "backward on a tensor that requires no gradient, on a non-scalar without gradOutput, or with " +
    "a gradOutput of another shape throws a TypeError naming the shapes",
);

/** Attributes of the pointwise ops that cannot reach the kernel as a finite f32. */
export const FAULT_POINTWISE_ATTRIBUTE = fault(
  "pointwise_attribute",
  "leakyRelu, elu and powScalar given a NaN, ±∞ or beyond-f32 slope, alpha or exponent throw a " +
    "RangeError naming the op, the attribute and its value, before any GPU work",
);

/** maximum and minimum with operands that do not broadcast or are not f32. */
export const FAULT_POINTWISE_SHAPE = fault(
  "pointwise_shape",
  "maximum and minimum with shapes that do not broadcast (or an i32 operand) throw a TypeError " +
    "naming the op and both shapes (or the dtype), before any GPU work",
);
