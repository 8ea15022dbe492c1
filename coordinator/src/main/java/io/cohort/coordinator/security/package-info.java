/**
 * Transport security of the coordinator: TLS with its own CA (or PEM files), one-time-token enrolment of clients
 * from CSRs, resolution of a request's client certificate to a client id, and the checks of signed messages. The
 * certificate and key handling itself is {@code io.cohort.crypto.pki}'s; this package wires it into Vert.x and the
 * protocol.
 */
package io.cohort.coordinator.security;
