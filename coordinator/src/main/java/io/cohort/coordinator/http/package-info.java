/**
 * The HTTP face of the protocol: routes, framed bodies, streaming uploads, and the one place where domain errors
 * become HTTP statuses and Error frames.
 */
package io.cohort.coordinator.http;
