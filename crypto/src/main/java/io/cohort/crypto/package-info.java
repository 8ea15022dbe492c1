/**
 * Cryptographic building blocks for Cohort. No Vert.x and no ND4J here: only the JDK and Bouncy Castle, behind small
 * types that are hard to misuse, each checked against published test vectors: client credentials ({@link
 * io.cohort.crypto.ClientCredentials}); X25519 key agreement ({@link io.cohort.crypto.X25519}) and HKDF ({@link
 * io.cohort.crypto.Hkdf}); AES-256-GCM ({@link io.cohort.crypto.Aead}); the AES-CTR mask generator ({@link
 * io.cohort.crypto.MaskPrg}); and Shamir secret sharing over GF(2^521 - 1) ({@link io.cohort.crypto.Shamir}). The
 * SecAgg+ protocol built from them is in {@link io.cohort.crypto.secagg}.
 */
package io.cohort.crypto;
