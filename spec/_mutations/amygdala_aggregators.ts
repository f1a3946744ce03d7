/**
 * Planted bugs of the amygdala aggregators (impl/amygdala/aggregators/): each a real mistake
 * an implementation of the steering-vectors library's aggregators could make, and the
 * claims that must catch it.
 *
 * @module
 */
import { type Mutation, mutationsOf } from "./mutation.ts";

const { planted, claims } = mutationsOf("amygdala");
const FILE = "impl/amygdala/aggregators/aggregators.ts";
const FIX = ["spec/amygdala/aggregators/fixtures_test.ts"];
const PROPS = ["spec/amygdala/aggregators/properties_test.ts"];
const FAULTS = ["spec/amygdala/aggregators/faults_test.ts"];

/** The planted bugs of this group. */
export const AMYGDALA_AGGREGATORS_MUTATIONS: readonly Mutation[] = [
  planted("aggregators", "pca_centred", "forward", {
    file: FILE,
    find: "  const g = matrix(n, n);",
    replace: "  const mu = Array.from({ length: h }, (_, j) => {\n" +
      "    let s = 0;\n" +
      "    for (let a = 0; a < n; a++) s += d[a * h + j]!;\n" +
      "    return s / n;\n" +
      "  });\n" +
      "  for (let a = 0; a < n; a++) for (let j = 0; j < h; j++) d[a * h + j]! -= mu[j]!;\n" +
      "  const g = matrix(n, n);",
    tests: FIX,
    filter: claims("aggregators", "fixture_parity"),
    why: "pca on the centred deltas (ordinary PCA, the covariance) instead of the library's " +
      "uncentered second moment: when every δ_i carries the same concept shift, centring " +
      "removes exactly that shift and the top component is noise",
  }),
  planted("aggregators", "pca_sign_dropped", "forward", {
    file: FILE,
    find: "  if (proj < 0) { for (let j = 0; j < h; j++) u[j] = -u[j]!; }",
    replace: "  // orientation left to the eigensolver's sign convention",
    tests: [...FIX, ...PROPS],
    filter: claims("aggregators", "fixture_parity", "property_library_synthetic"),
    why: "the top eigenvector is returned in the eigensolver's sign convention without the " +
      "library's alignment to the mean delta: about half of all concepts point away from " +
      "their positives (swapping P and N still flips it, since v = Dᵀw follows D's sign)",
  }),
  planted("aggregators", "pca_smallest_eigenvector", "forward", {
    file: FILE,
    find: "  const top = n - 1;",
    replace: "  const top = 0;",
    tests: PROPS,
    filter: claims("aggregators", "property_library_synthetic"),
    why: "eigh returns eigenvalues ascending; taking column 0 (as if descending, like " +
      "numpy's svd) picks the smallest eigenvector of the Gram matrix, not the top one",
  }),
  planted("aggregators", "logistic_positive_half", "forward", {
    file: FILE,
    find: 'const { C, tol, maxIter } = checkLogisticOptions(options, "logistic", false);',
    replace: 'const { C: C2, tol, maxIter } = checkLogisticOptions(options, "logistic", false);\n' +
      "  const C = C2 / 2;",
    tests: FIX,
    filter: claims("aggregators", "fixture_parity_logistic"),
    why: "the fit sees only the positive sample +δ_i/2 of each pair (n samples instead of the " +
      "library's 2n), which halves the loss against the L2 penalty: a different optimum, " +
      "visible against scikit-learn's fit to far below its solver tolerance",
  }),
  planted("aggregators", "nan_accepted", "fault", {
    file: FILE,
    find: "    if (!Number.isFinite(m.data[i]!)) {",
    replace: "    if (m.data[i] === Infinity) {",
    tests: FAULTS,
    filter: claims("aggregators", "fault"),
    why: "the finiteness check only rejects +Inf: a NaN or −Inf activation (a failed forward " +
      "pass) flows into the means and the fits and comes out as a NaN readout row",
  }),
];
