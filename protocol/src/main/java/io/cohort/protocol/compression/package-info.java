/**
 * Update compression: the per-run setting ({@link io.cohort.protocol.compression.UpdateCompression}), stochastic
 * 8- and 4-bit quantisation (QSGD, Alistarh et al. 2017), top-k selection, and the chunk encoding both sides share
 * ({@link io.cohort.protocol.compression.CompressedUpdate} encodes, {@link
 * io.cohort.protocol.compression.CompressedChunks} validates and decodes). Pure and synchronous: no I/O.
 */
package io.cohort.protocol.compression;
