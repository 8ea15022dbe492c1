/**
 * Data sets for simulations: a fast IDX reader ({@link io.cohort.simulation.data.IdxFiles}) and the Fashion-MNIST
 * loader ({@link io.cohort.simulation.data.FashionMnist}), which finds the files in an explicit directory, the Debian
 * package {@code dataset-fashion-mnist} or a checksum-verified download cache.
 *
 * <p>Everything here is plain JDK I/O; no ND4J or Tribuo types appear in the API, so loaded data can be handed to any
 * trainer as {@code float[]}/{@code int[]} or as a client-sdk {@code LocalDataset}.
 */
package io.cohort.simulation.data;
