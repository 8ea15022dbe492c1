/**
 * The SDK's default local-training engine: {@link io.cohort.client.nd4j.Nd4jTrainer}, a {@link
 * io.cohort.client.LocalTrainer} for the {@link io.cohort.protocol.model.ModelArchitecture} families (logistic
 * regression, MLP, small CNN) written directly against ND4J's native ops.
 *
 * <p>Why hand-written layers rather than SameDiff or DL4J: forward and backward passes over a handful of ND4J ops
 * measured about 1.5x faster than SameDiff for the federated workloads (many short local updates), and they let the
 * model's parameters live in the one flat vector the protocol ships, so swapping weights in and out is a single copy.
 *
 * <p>Everything except {@code Nd4jTrainer} is package-private: the layers, the loss and the optimisers are
 * implementation details, and no ND4J type appears in the public API.
 */
package io.cohort.client.nd4j;
