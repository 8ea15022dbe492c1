/**
 * SecAgg+ secure aggregation (Bell et al. 2020; the full SecAgg of Bonawitz et al. 2017 when every client neighbours
 * every other): pure, synchronous protocol engines for the client ({@link io.cohort.crypto.secagg.SecAggClient}) and
 * the server ({@link io.cohort.crypto.secagg.SecAggServer}), the neighbour graph, the fixed-point {@link
 * io.cohort.crypto.secagg.Quantizer}, and the messages the coordinator and SDK carry between them. No I/O here: the
 * caller moves the messages and decides who dropped.
 *
 * <p>Four stages per round: (1) each client advertises two X25519 public keys; (2) each client Shamir-shares its
 * self-mask seed and its mask key among its neighbours, encrypted pairwise; (3) each client sends its encoded input
 * plus its self-mask and the pairwise masks with the neighbours that completed stage 2; (4) each survivor reveals
 * shares of its surviving neighbours' self-mask seeds and of its dropped neighbours' mask keys, and the server removes
 * every mask from the sum.
 */
package io.cohort.crypto.secagg;
