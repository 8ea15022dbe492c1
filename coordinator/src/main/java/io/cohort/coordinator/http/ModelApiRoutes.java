package io.cohort.coordinator.http;

import io.cohort.coordinator.round.GlobalModel;
import io.cohort.coordinator.round.RoundDriver;
import io.cohort.coordinator.round.RoundRecord;
import io.cohort.coordinator.state.RunStateStore;
import io.cohort.protocol.model.Inference;
import io.cohort.protocol.model.ModelArchitecture;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.time.Instant;
import io.cohort.tribuo.FeatureWeight;
import io.cohort.tribuo.TopFeatures;
import io.cohort.tribuo.TribuoExplanations;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The model registry as an HTTP API for people and apps, behind the API token ({@link ApiAuth}):
 *
 * <ul>
 *   <li>{@code GET /v1/models}: every model version (0 is the initial model; each completed round adds one) with its
 *       round, training loss, examples, clients, federated evaluation, privacy spent and commit time, and the run's
 *       provenance (its settings and seed, the source commit, library versions: {@link
 *       io.cohort.coordinator.Provenance});
 *   <li>{@code GET /v1/models/{version|latest}}: that version in the protocol's binary format (a {@code ModelHeader}
 *       frame, then {@code TensorChunk} frames, as clients download it);
 *   <li>{@code POST /v1/models/{version|latest}/predict}: JSON {@code {"instances": [[f, ...], ...]}} (or {@code
 *       {"features": [f, ...]}} for one) to JSON {@code {"version", "predictions": [{"label", "probabilities"}]}};
 *       with {@code ?explain=true} (at most {@link #MAX_EXPLAINED_ROWS} rows; {@code &k=N} features, default 5) each
 *       prediction also carries the top features of a LIME explanation (Tribuo's LIME with a lasso surrogate, seeded,
 *       so repeatable; features are named {@code f0, f1, ...} by input position, labels by class index).
 * </ul>
 *
 * <p>Bad input gets a 4xx with a JSON {@code error}: 400 for malformed JSON, a missing or empty {@code instances},
 * a row of the wrong length, a value that is not a finite number, or more than {@link #MAX_ROWS} rows; 404 for a
 * version that does not exist; 413 for a body over {@link #MAX_BODY} bytes; 429 beyond {@link #MAX_IN_FLIGHT}
 * requests at once. Predictions run on a worker pool of their own ({@link #PREDICT_THREADS} threads), with the last
 * few versions' parameters cached; {@code latest} is the newest version committed to the run state.
 */
public final class ModelApiRoutes {
  /** Most rows one predict request may carry. */
  public static final int MAX_ROWS = 256;
  /** Most rows one predict request may ask explanations for (LIME costs a second or so a row). */
  public static final int MAX_EXPLAINED_ROWS = 8;
  /** Most features an explanation may list. */
  public static final int MAX_EXPLAINED_FEATURES = 50;
  /** Threads that run predictions (a pool of their own, so LIME never holds up a round). */
  public static final int PREDICT_THREADS = 2;
  /** Predict requests answered at once; more get 429. */
  public static final int MAX_IN_FLIGHT = 8;
  /** Largest predict body. */
  public static final int MAX_BODY = 8 * 1024 * 1024;
  private static final int CACHED_VERSIONS = 4;

  private final Vertx vertx;
  private final Supplier<RoundDriver> drivers;
  private final RunStateStore store;
  private final ModelArchitecture model;
  private final Map<String, Object> provenance;
  /** Predictions and explanations run here, not on the shared worker pool that rounds need. */
  private final io.vertx.core.WorkerExecutor workers;
  private final java.util.concurrent.atomic.AtomicInteger inFlight = new java.util.concurrent.atomic.AtomicInteger();
  private final Map<Long, Inference> cache = new LinkedHashMap<>(8, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<Long, Inference> eldest) {
      return size() > CACHED_VERSIONS;
    }
  };

  private ModelApiRoutes(Vertx vertx, Supplier<RoundDriver> drivers, RunStateStore store, ModelArchitecture model,
      Map<String, Object> provenance) {
    this.vertx = vertx;
    this.provenance = provenance;
    this.workers = vertx.createSharedWorkerExecutor("cohort-predict", PREDICT_THREADS);
    this.drivers = drivers;
    this.store = store;
    this.model = model;
  }

  /** Adds the routes, each behind {@code auth}. */
  public static void mount(Vertx vertx, Router router, Supplier<RoundDriver> drivers, RunStateStore store,
      ModelArchitecture model, Map<String, Object> provenance, ApiAuth auth) {
    ModelApiRoutes api = new ModelApiRoutes(vertx, drivers, store, model, provenance);
    router.get("/v1/models").handler(auth).handler(api::list);
    router.get("/v1/models/:version").handler(auth).handler(api::download);
    // The token is checked on a route of its own first (Vert.x wants a body handler first on any one route), so no
    // body is read for a request without it.
    router.post("/v1/models/:version/predict").handler(auth);
    router.post("/v1/models/:version/predict").handler(BodyHandler.create(false).setBodyLimit(MAX_BODY))
        .handler(api::predict)
        .failureHandler(ctx -> fail(ctx, ctx.statusCode() == 413 ? 413 : 400, ctx.statusCode() == 413
            ? "the request body exceeds " + MAX_BODY + " bytes; send at most " + MAX_ROWS + " rows a request"
            : "the request could not be read: " + ctx.failure()));
  }

  /** A refusal with a status code. */
  private static final class ApiException extends RuntimeException {
    final int status;

    ApiException(int status, String message) {
      super(message, null, false, false);
      this.status = status;
    }
  }

  private void list(RoutingContext ctx) {
    RoundDriver driver = drivers.get();
    if (driver == null) {
      fail(ctx, 503, "this coordinator is not driving the run yet; retry");
      return;
    }
    Map<Long, Long> committed = driver.commitTimes();
    JsonArray versions = new JsonArray().add(new JsonObject().put("version", 0).put("round", 0)
        .put("initial", true));
    for (RoundRecord r : driver.history()) {
      if (!r.completed() || r.modelVersion() > driver.committedVersion()) {
        continue;
      }
      JsonObject v = new JsonObject().put("version", r.modelVersion()).put("round", r.round())
          .put("clients", r.accepted()).put("examples", r.examples())
          .put("trainLoss", Double.isFinite(r.trainLoss()) ? r.trainLoss() : null)
          .put("epsilon", Double.isFinite(r.epsilon()) ? r.epsilon() : null);
      if (r.federatedEvaluation() != null && Double.isFinite(r.federatedEvaluation().accuracy())) {
        v.put("federatedAccuracy", r.federatedEvaluation().accuracy())
            .put("federatedLoss", r.federatedEvaluation().loss());
      }
      Long at = committed.get(r.modelVersion());
      v.put("committedAt", at == null ? null : Instant.ofEpochMilli(at).toString());
      versions.add(v);
    }
    ctx.response().putHeader("content-type", "application/json")
        .end(new JsonObject().put("run", driver.runId()).put("model", model.describe())
            .put("latest", driver.committedVersion()).put("provenance", new JsonObject(provenance))
            .put("versions", versions).encodePrettily());
  }

  private void download(RoutingContext ctx) {
    long version;
    RoundDriver driver;
    try {
      driver = requireDriver();
      version = version(ctx, driver);
    } catch (ApiException e) {
      fail(ctx, e.status, e.getMessage());
      return;
    }
    String runId = driver.runId();
    vertx.executeBlocking(() -> GlobalModel.encode(runId, version, model, parameters(version)), false)
        .onSuccess(m -> Replies.frames(ctx.response(), m.frames(), m.bytes()))
        .onFailure(e -> fail(ctx, e));
  }

  private void predict(RoutingContext ctx) {
    long version;
    float[][] rows;
    int explainK;
    try {
      RoundDriver driver = requireDriver();
      version = version(ctx, driver);
      rows = rows(ctx);
      explainK = explainK(ctx, rows.length);
    } catch (ApiException e) {
      fail(ctx, e.status, e.getMessage());
      return;
    }
    if (inFlight.incrementAndGet() > MAX_IN_FLIGHT) {
      inFlight.decrementAndGet();
      fail(ctx, 429, "the coordinator is already answering " + MAX_IN_FLIGHT + " predict requests; retry shortly");
      return;
    }
    workers.executeBlocking(() -> {
      Inference inference = inference(version);
      float[] parameters = explainK > 0 ? parameters(version) : null;
      JsonArray predictions = new JsonArray();
      for (float[] row : rows) {
        double[] p = inference.probabilities(row);
        int label = 0;
        JsonArray probabilities = new JsonArray();
        for (int c = 0; c < p.length; c++) {
          probabilities.add(p[c]);
          if (p[c] > p[label]) {
            label = c;
          }
        }
        JsonObject prediction = new JsonObject().put("label", label).put("probabilities", probabilities);
        if (explainK > 0) {
          prediction.put("explanation", explanation(parameters, row, explainK));
        }
        predictions.add(prediction);
      }
      return new JsonObject().put("version", version).put("predictions", predictions);
    }, false).onComplete(done -> inFlight.decrementAndGet())
        .onSuccess(json -> ctx.response().putHeader("content-type", "application/json").end(json.encode()))
        .onFailure(e -> fail(ctx, e));
  }

  /** 0 without {@code ?explain=true}, else how many features to list. */
  private static int explainK(RoutingContext ctx, int rows) {
    String explain = ctx.request().getParam("explain");
    if (explain == null || explain.equals("false")) {
      return 0;
    }
    if (!explain.equals("true")) {
      throw new ApiException(400, "explain must be true or false, got '" + explain + "'");
    }
    if (rows > MAX_EXPLAINED_ROWS) {
      throw new ApiException(400, "at most " + MAX_EXPLAINED_ROWS + " rows a request with explain=true (LIME takes "
          + "about a second a row), got " + rows);
    }
    String k = ctx.request().getParam("k");
    if (k == null) {
      return 5;
    }
    try {
      int n = Integer.parseInt(k);
      if (n >= 1 && n <= MAX_EXPLAINED_FEATURES) {
        return n;
      }
    } catch (NumberFormatException e) {
      // refused below
    }
    throw new ApiException(400, "k must be 1.." + MAX_EXPLAINED_FEATURES + ", got '" + k + "'");
  }

  /** Blocking (LIME): the top features of one row's prediction. */
  private JsonObject explanation(float[] parameters, float[] row, int k) {
    List<String> features = new ArrayList<>();
    for (int i = 0; i < model.inputSize(); i++) {
      features.add("f" + i);
    }
    List<String> labels = new ArrayList<>();
    for (int c = 0; c < model.numClasses(); c++) {
      labels.add(Integer.toString(c));
    }
    TopFeatures top = TribuoExplanations.topFeatures(model, parameters, row, features, labels, k,
        TribuoExplanations.DEFAULT_SEED);
    JsonArray weights = new JsonArray();
    for (FeatureWeight w : top.features()) {
      weights.add(new JsonObject().put("feature", w.feature()).put("weight", w.weight()));
    }
    return new JsonObject().put("label", Integer.parseInt(top.label())).put("probability", top.probability())
        .put("features", weights).put("surrogateRmse", top.surrogateRmse());
  }

  private RoundDriver requireDriver() {
    RoundDriver driver = drivers.get();
    if (driver == null) {
      throw new ApiException(503, "this coordinator is not driving the run yet; retry");
    }
    return driver;
  }

  private static long version(RoutingContext ctx, RoundDriver driver) {
    String text = ctx.pathParam("version");
    long latest = driver.committedVersion();
    if ("latest".equals(text)) {
      return latest;
    }
    long version;
    try {
      version = Long.parseLong(text);
    } catch (NumberFormatException e) {
      throw new ApiException(400, "model version '" + text + "' is neither a number nor 'latest'");
    }
    if (version < 0 || version > latest) {
      throw new ApiException(404, "model version " + version + " does not exist; versions are 0.." + latest
          + " (GET /v1/models lists them)");
    }
    return version;
  }

  private float[][] rows(RoutingContext ctx) {
    JsonObject body;
    try {
      body = ctx.body().asJsonObject();
    } catch (DecodeException | ClassCastException e) {
      throw new ApiException(400, "the body is not a JSON object: " + e.getMessage());
    }
    if (body == null) {
      throw new ApiException(400, "empty body; send {\"instances\": [[" + model.inputSize() + " numbers], ...]}");
    }
    Object instances = body.getValue("instances");
    if (instances == null && body.getValue("features") instanceof JsonArray one) {
      instances = new JsonArray().add(one);
    }
    if (!(instances instanceof JsonArray list) || list.isEmpty()) {
      throw new ApiException(400, "'instances' must be a non-empty array of rows, each an array of "
          + model.inputSize() + " numbers (or give one row as 'features')");
    }
    if (list.size() > MAX_ROWS) {
      throw new ApiException(400, "at most " + MAX_ROWS + " rows a request, got " + list.size());
    }
    float[][] rows = new float[list.size()][];
    for (int r = 0; r < rows.length; r++) {
      if (!(list.getValue(r) instanceof JsonArray row)) {
        throw new ApiException(400, "row " + r + " is not an array of numbers");
      }
      if (row.size() != model.inputSize()) {
        throw new ApiException(400, "row " + r + " has " + row.size() + " values; " + model.describe() + " takes "
            + model.inputSize());
      }
      rows[r] = new float[row.size()];
      for (int c = 0; c < row.size(); c++) {
        if (!(row.getValue(c) instanceof Number n) || !Float.isFinite(n.floatValue())) {
          throw new ApiException(400, "row " + r + ", value " + c + " is not a finite number within float range: "
              + row.getValue(c));
        }
        rows[r][c] = n.floatValue();
      }
    }
    return rows;
  }

  /** Blocking: the parameters of {@code version}, from the run state. */
  private float[] parameters(long version) {
    return store.model(version).orElseThrow(() -> new ApiException(404, "model version " + version
        + " is not in the run state"));
  }

  private Inference inference(long version) {
    synchronized (cache) {
      Inference cached = cache.get(version);
      if (cached != null) {
        return cached;
      }
    }
    Inference inference = new Inference(model, parameters(version));
    synchronized (cache) {
      cache.put(version, inference);
    }
    return inference;
  }

  private static void fail(RoutingContext ctx, Throwable e) {
    if (e instanceof ApiException api) {
      fail(ctx, api.status, api.getMessage());
    } else if (e instanceof IllegalArgumentException bad) {
      fail(ctx, 400, bad.getMessage());
    } else {
      fail(ctx, 500, "internal error: " + e);
    }
  }

  private static void fail(RoutingContext ctx, int status, String message) {
    if (ctx.response().ended()) {
      return;
    }
    ctx.response().setStatusCode(status).putHeader("content-type", "application/json")
        .end(new JsonObject().put("error", message).encode());
  }
}
