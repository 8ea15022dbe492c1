/**
 * Model architectures shared by coordinator and clients: from a {@link io.cohort.protocol.model.ModelArchitecture}
 * both sides derive the same ordered list of parameter tensors and the same seeded initial parameters.
 */
package io.cohort.protocol.model;
