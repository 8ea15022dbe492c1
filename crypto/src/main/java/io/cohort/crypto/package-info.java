/**
 * Cryptographic building blocks for Cohort. No Vert.x and no ND4J here: only the JDK and Bouncy Castle, behind small
 * types that are hard to misuse. Today it holds client credentials ({@link io.cohort.crypto.ClientCredentials});
 * secure aggregation and transport security build on this module.
 */
package io.cohort.crypto;
