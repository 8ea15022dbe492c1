/**
 * Cryptographic building blocks for Cohort. No Vert.x and no ND4J here: only the JDK and Bouncy Castle, behind small
 * types that are hard to misuse. Today it holds client credentials ({@link io.cohort.crypto.ClientCredentials}) and the
 * first primitives of secure aggregation, X25519 key agreement ({@link io.cohort.crypto.X25519}) and HKDF ({@link
 * io.cohort.crypto.Hkdf}), each checked against its RFC's test vectors; the protocol itself is yet to come.
 */
package io.cohort.crypto;
