/**
 * Tribuo interop: an application's Tribuo data federates without conversion code, and a global model comes back as a
 * Tribuo {@link org.tribuo.Model Model&lt;Label&gt;} for Tribuo's {@code predict}, evaluation and LIME explanations.
 *
 * <ul>
 *   <li>{@link io.cohort.tribuo.FeatureMapping}: the documented, stable mapping between Tribuo examples (named
 *       features, named labels) and Cohort's dense rows (feature index, class index).
 *   <li>{@link io.cohort.tribuo.TribuoData}: reads a CSV with Tribuo's {@code CSVLoader}, turns a {@code Dataset} or
 *       {@code DataSource} into dense arrays ({@link io.cohort.tribuo.DenseExamples}) and back.
 *   <li>{@link io.cohort.tribuo.TribuoModels}: exports an architecture and its flat parameters as a
 *       {@link io.cohort.tribuo.CohortModel}, whose predictions are those of
 *       {@link io.cohort.protocol.model.Inference}.
 *   <li>{@link io.cohort.tribuo.TribuoExplanations}: the top features of a seeded LIME explanation.
 * </ul>
 *
 * <p>Plain Java on Tribuo's own artifacts: no ND4J, no Vert.x.
 */
package io.cohort.tribuo;
