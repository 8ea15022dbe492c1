/**
 * The wire contract between clients and coordinator: the generated {@code cohort.v1} messages (package
 * {@link io.cohort.protocol.v1}), the length-prefixed framing that carries them over HTTP, the model architectures both
 * sides derive parameter tensors from, and the chunking of parameter vectors into {@code TensorChunk} frames.
 *
 * <p>Everything here is pure, synchronous and free of I/O frameworks, so both the Vert.x coordinator and the plain-JDK
 * client SDK use the same code to validate what they receive.
 */
package io.cohort.protocol;
