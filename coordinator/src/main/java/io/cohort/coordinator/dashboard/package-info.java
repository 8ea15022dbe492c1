/**
 * The coordinator's live dashboard: one self-contained HTML page ({@code GET /dashboard}) and the server-sent event
 * stream of the coordinator's status that keeps it current ({@code GET /dashboard/events}, behind the API token).
 */
package io.cohort.coordinator.dashboard;
