package io.cohort.coordinator.http;

import io.vertx.core.Handler;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Objects;

/**
 * Bearer-token authentication of the coordinator's HTTP API for people and apps (model registry, predict, dashboard
 * data), separate from the client protocol's mutual TLS. A request passes with {@code Authorization: Bearer TOKEN};
 * where {@link #allowQueryToken} is set (a browser's {@code EventSource} cannot send headers), also with {@code
 * ?access_token=TOKEN}. Anything else gets 401 with a {@code WWW-Authenticate: Bearer} header and a JSON error.
 *
 * <p><b>Security guarantees.</b> The presented token is compared with the configured one in constant time (over
 * their SHA-256 digests, so their lengths do not leak either). <b>Not</b> provided: more than one token, scopes, and
 * rate limiting. Serve the API over TLS (the coordinator's default), or the token crosses the network in the clear.
 */
public final class ApiAuth implements Handler<RoutingContext> {
  private final byte[] expected;
  private final boolean allowQueryToken;

  private ApiAuth(String token, boolean allowQueryToken) {
    Objects.requireNonNull(token, "token");
    if (token.isBlank()) {
      throw new IllegalArgumentException("the API token must not be blank");
    }
    this.expected = digest(token);
    this.allowQueryToken = allowQueryToken;
  }

  /** Checks the {@code Authorization: Bearer} header only. */
  public static ApiAuth bearer(String token) {
    return new ApiAuth(token, false);
  }

  /** Checks the header, or an {@code access_token} query parameter (for server-sent events from a browser). */
  public static ApiAuth bearerOrQuery(String token) {
    return new ApiAuth(token, true);
  }

  @Override
  public void handle(RoutingContext ctx) {
    String presented = null;
    String header = ctx.request().getHeader("authorization");
    if (header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      presented = header.substring(7).trim();
    } else if (allowQueryToken) {
      presented = ctx.request().getParam("access_token");
    }
    if (presented != null && MessageDigest.isEqual(expected, digest(presented))) {
      ctx.next();
      return;
    }
    ctx.response().setStatusCode(401)
        .putHeader("www-authenticate", "Bearer realm=\"cohort\"")
        .putHeader("content-type", "application/json")
        .end(new JsonObject().put("error", presented == null
            ? "this endpoint needs the coordinator's API token: send 'Authorization: Bearer TOKEN' (the token is "
                + "printed when the coordinator starts, or set with --api-token)"
            : "the API token is wrong").encode());
  }

  private static byte[] digest(String token) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform provides SHA-256", e);
    }
  }
}
