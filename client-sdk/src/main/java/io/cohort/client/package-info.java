/**
 * The Cohort client SDK: embed {@link io.cohort.client.CohortClient} in an app to train a shared model on private
 * data. Supply the data as a {@link io.cohort.client.LocalDataset} through a {@link io.cohort.client.DatasetSource};
 * training runs locally ({@link io.cohort.client.LocalTrainer}, by default ND4J) and only model updates leave the
 * process. An application with Tribuo data hands it over as it is through {@link io.cohort.client.TribuoDatasetSource}.
 * The public API uses only JDK and Cohort types, and Tribuo's own data types where it takes Tribuo data.
 */
package io.cohort.client;
