package io.cohort.coordinator.dashboard;

import io.cohort.coordinator.http.ApiAuth;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * The coordinator's live dashboard, for people watching a run:
 *
 * <ul>
 *   <li>{@code GET /dashboard}: one self-contained HTML page (inline CSS and JavaScript, nothing fetched from
 *       elsewhere) showing the run, the current round's progress (invited / answered / dropped), clients registered
 *       and online, the privacy spent under differential privacy, the cluster's members and which of them drives,
 *       and a chart of training loss and federated accuracy per round. The page itself holds no data and is public;
 *       it reads the API token from its own URL ({@code /dashboard#token=TOKEN}, or {@code ?token=TOKEN}), keeps it
 *       in the tab's session storage, removes it from the address bar, and asks for it when it has none;
 *   <li>{@code GET /}: redirects (302) to {@code /dashboard}, keeping the query;
 *   <li>{@code GET /dashboard/events?access_token=TOKEN} (or with {@code Authorization: Bearer TOKEN}): server-sent
 *       events, each {@code event: status} carrying the JSON of the node's status (as {@code GET /v1/status} has it,
 *       less the refusal counters and the security summary), sent at once, whenever it changes (checked twice a
 *       second, and at once after each round), with keep-alive comments in between.
 * </ul>
 *
 * <p><b>Security guarantees.</b> The event stream, the only part of the dashboard with data, is behind the API token
 * ({@link ApiAuth#bearerOrQuery}). That does not make its data secret: the same status (counts, epsilon, federated
 * accuracy, cluster members; never client ids or model data) is public at {@code GET /v1/status}, which {@code
 * cohort status} reads without credentials. The token in a query string can land in proxy logs, which is why the page takes it from
 * the URL's fragment by preference, which browsers never send. The page is served with a Content-Security-Policy
 * that allows only its own inline script and style (by hash) and connections to this origin, and it writes every
 * value as text, never as markup. <b>Not</b> provided: per-user accounts, and a limit on how often a client may
 * reconnect (at most {@link #MAX_STREAMS} streams are open at once).
 */
public final class DashboardRoutes {
  /** The page's path. */
  public static final String PATH = "/dashboard";
  /** The event stream's path. */
  public static final String EVENTS_PATH = "/dashboard/events";
  /** Most event streams open at once. */
  public static final int MAX_STREAMS = 32;
  static final long CHECK_MS = 500;
  static final long KEEP_ALIVE_MS = 10_000;

  private static final String PAGE = load("dashboard.html");
  private static final String POLICY = "default-src 'none'; script-src '" + inlineHash(PAGE, "script")
      + "'; style-src '" + inlineHash(PAGE, "style") + "'; connect-src 'self'; img-src 'self' data:; "
      + "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

  private final StatusStream stream;

  private DashboardRoutes(StatusStream stream) {
    this.stream = stream;
  }

  /**
   * Adds the routes to {@code router}, the event stream behind {@code auth}. Call it on the coordinator's context;
   * {@code status} is called there, so it must be cheap and must not block.
   */
  public static DashboardRoutes mount(Vertx vertx, Router router, Supplier<JsonObject> status, ApiAuth auth) {
    return mount(vertx, router, status, auth, CHECK_MS, KEEP_ALIVE_MS);
  }

  static DashboardRoutes mount(Vertx vertx, Router router, Supplier<JsonObject> status, ApiAuth auth, long checkMs,
      long keepAliveMs) {
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(auth, "auth");
    DashboardRoutes routes = new DashboardRoutes(new StatusStream(vertx, status, checkMs, keepAliveMs,
        MAX_STREAMS));
    router.get("/").handler(DashboardRoutes::redirect);
    router.get(PATH).handler(DashboardRoutes::page);
    router.get(EVENTS_PATH).handler(auth).handler(routes.stream::open);
    return routes;
  }

  /**
   * Sends the status to every open stream it changed for, now rather than at the next check (for instance after a
   * round). Call it on the coordinator's context.
   */
  public void changed() {
    stream.changed();
  }

  /** How many event streams are open. Call it on the coordinator's context. */
  public int openStreams() {
    return stream.open();
  }

  private static void redirect(RoutingContext ctx) {
    String query = ctx.request().query();
    ctx.response().setStatusCode(302).putHeader("location", PATH + (query == null ? "" : "?" + query)).end();
  }

  private static void page(RoutingContext ctx) {
    ctx.response()
        .putHeader("content-type", "text/html; charset=utf-8")
        .putHeader("cache-control", "no-cache")
        .putHeader("content-security-policy", POLICY)
        .putHeader("referrer-policy", "no-referrer")
        .putHeader("x-content-type-options", "nosniff")
        .putHeader("x-frame-options", "DENY")
        .end(PAGE);
  }

  /** The page's HTML. */
  static String page() {
    return PAGE;
  }

  /** The Content-Security-Policy the page is served with. */
  static String policy() {
    return POLICY;
  }

  private static String load(String name) {
    try (InputStream in = DashboardRoutes.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("the dashboard page " + name + " is missing from the coordinator's jar");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The CSP source of the page's one inline {@code <tag>} element: {@code sha256-} and its content's digest. */
  static String inlineHash(String html, String tag) {
    int open = html.indexOf("<" + tag + ">");
    int close = html.indexOf("</" + tag + ">");
    if (open < 0 || close < open || html.indexOf("<" + tag, open + 1) >= 0) {
      throw new IllegalStateException("the dashboard page must have exactly one plain <" + tag + "> element");
    }
    String content = html.substring(open + tag.length() + 2, close);
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(content.getBytes(StandardCharsets.UTF_8));
      return "sha256-" + Base64.getEncoder().encodeToString(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform provides SHA-256", e);
    }
  }
}
