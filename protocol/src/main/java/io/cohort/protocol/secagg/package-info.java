/** The secure-aggregation messages of the protocol, converted to and from the SecAgg+ engine's values. */
package io.cohort.protocol.secagg;
