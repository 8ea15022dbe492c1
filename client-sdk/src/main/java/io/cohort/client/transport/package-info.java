/**
 * Internal: the HTTP transport of the client SDK, built on the JDK's {@link java.net.http.HttpClient} so an app that
 * embeds the SDK pulls in no HTTP stack. Not part of the SDK's supported API.
 */
package io.cohort.client.transport;
