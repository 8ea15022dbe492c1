package io.cohort.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.cohort.coordinator.Coordinator;
import io.cohort.coordinator.CoordinatorConfig;
import io.cohort.coordinator.SecureAggregationSettings;
import io.cohort.coordinator.round.RoundRecord;
import io.cohort.privacy.DpConfig;
import io.cohort.protocol.model.ModelArchitecture;
import io.vertx.core.Vertx;
import java.io.File;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The coordinator's dashboard in a real headless Chromium (Debian's {@code chromium} and {@code chromium-driver},
 * driven by Selenium): a coordinator over TLS (its default) with differential privacy and federated evaluation after
 * every round, the page opened before any client exists, then three SDK clients whose training takes 300 ms. The
 * page must show round 2 in its chart without being reloaded, with the run id, the clients and the privacy spent;
 * its screenshot is kept as {@code target/dashboard-screenshot.png}.
 *
 * <p>Chromium is started with {@code --ignore-certificate-errors} in a throwaway profile because the coordinator's
 * CA is generated for this test; nothing else in the test weakens TLS. Without Chromium or its driver the test fails
 * and says how to install them, unless {@code -Dcohort.skipBrowser=true} asks to skip it.
 */
class DashboardBrowserIT {
  private static final ModelArchitecture MODEL = ModelArchitecture.logreg(List.of(8), 2);
  private static final int CLIENTS = 3;
  private static final int ROUNDS = 4;
  private static final Duration BOUND = Duration.ofSeconds(60);
  private static final List<String> CHROMIUM = List.of("/usr/bin/chromium", "/usr/bin/chromium-browser",
      "/usr/bin/google-chrome");
  private static final List<String> DRIVER = List.of("/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver");

  @TempDir Path profile;

  /** Returns a known update after 300 ms, with a training loss that falls and an accuracy that rises per round. */
  private static final class SlowTrainer implements LocalTrainer {
    private final int client;
    private final AtomicInteger fits = new AtomicInteger();

    SlowTrainer(int client) {
      this.client = client;
    }

    @Override
    public FitOutcome fit(ModelArchitecture model, float[] initial, LocalDataset data, TrainingPlan plan) {
      int k = fits.incrementAndGet();
      try {
        Thread.sleep(300);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      float[] out = initial.clone();
      for (int i = 0; i < out.length; i++) {
        out[i] += 0.01f * (client + 1) * ((i % 2 == 0) ? 1 : -1);
      }
      return new FitOutcome(out, data.size(), 1.2 * Math.pow(0.7, k - 1) + 0.02 * client, 0.5);
    }

    @Override
    public EvaluationOutcome evaluate(ModelArchitecture model, float[] parameters, LocalDataset data, int batch) {
      return new EvaluationOutcome(data.size(), 1.0 * Math.pow(0.72, fits.get()),
          Math.min(0.95, 0.55 + 0.09 * fits.get() + 0.01 * client));
    }

    @Override
    public void close() {}
  }

  private static Optional<String> firstExecutable(String property, List<String> candidates) {
    String configured = System.getProperty(property);
    if (configured != null && !configured.isBlank()) {
      return Optional.of(configured).filter(p -> Files.isExecutable(Path.of(p)));
    }
    return candidates.stream().filter(p -> Files.isExecutable(Path.of(p))).findFirst();
  }

  @Test
  void dashboard_whileRoundsRun_showsRoundTwoInTheChartWithoutReload() throws Exception {
    Assumptions.assumeFalse(Boolean.getBoolean("cohort.skipBrowser"),
        "skipped on request (-Dcohort.skipBrowser=true)");
    Optional<String> chromium = firstExecutable("cohort.chromium", CHROMIUM);
    Optional<String> chromedriver = firstExecutable("cohort.chromedriver", DRIVER);
    if (chromium.isEmpty() || chromedriver.isEmpty()) {
      fail("the dashboard's browser test needs Chromium and its WebDriver (missing: "
          + (chromium.isEmpty() ? "chromium " : "") + (chromedriver.isEmpty() ? "chromedriver" : "")
          + "): run .ci/run, or `apt-get install chromium chromium-driver` (or point -Dcohort.chromium and "
          + "-Dcohort.chromedriver at them); -Dcohort.skipBrowser=true skips this test");
    }

    Vertx vertx = Vertx.vertx();
    ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
    List<CompletableFuture<ClientReport>> runs = new ArrayList<>();
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(new File(chromedriver.get())).usingAnyFreePort().build();
    ChromeDriver browser = null;
    try {
      Coordinator coordinator = Coordinator.start(vertx, CoordinatorConfig.builder(MODEL).rounds(ROUNDS)
          .minClients(CLIENTS).evaluateEvery(1).pollWait(Duration.ofSeconds(1)).roundTimeout(Duration.ofSeconds(60))
          .secureAggregation(SecureAggregationSettings.off())
          .differentialPrivacy(new DpConfig(1.0, new DpConfig.FixedClip(0.5), 1e-5, OptionalDouble.empty(),
              DpConfig.Mode.CENTRAL))
          .build()).await();

      ChromeOptions options = new ChromeOptions().setBinary(chromium.get()).addArguments("--headless=new",
          "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
          "--disable-component-update", "--no-first-run", "--window-size=1280,1080",
          "--ignore-certificate-errors", // the coordinator's CA was made for this test
          "--user-data-dir=" + profile.toAbsolutePath());
      browser = new ChromeDriver(service, options);
      browser.manage().timeouts().pageLoadTimeout(BOUND).scriptTimeout(BOUND);
      browser.get(coordinator.url() + "/#token=" + coordinator.apiToken()); // "/" redirects to /dashboard
      WebDriverWait wait = new WebDriverWait(browser, BOUND, Duration.ofMillis(100));
      wait.until(ExpectedConditions.textToBe(By.id("run"), coordinator.runId()));
      assertThat(browser.getCurrentUrl()).as("the token is taken out of the address bar")
          .endsWith("/dashboard").doesNotContain(coordinator.apiToken());
      assertThat(browser.findElements(By.cssSelector("#chart circle[data-round]"))).as("no round yet").isEmpty();
      ((JavascriptExecutor) browser).executeScript("window.cohortTestMarker = 'same page';");

      for (int i = 0; i < CLIENTS; i++) {
        LocalDataset data = LocalDataset.of(new float[(20 + i) * 8], new int[20 + i], List.of(8), 2);
        CohortClient client = CohortClient.builder().coordinator(URI.create(coordinator.url())).name("c" + i)
            .data(DatasetSource.of(data, data)).trainer(new SlowTrainer(i))
            .trustedCoordinatorCa(coordinator.caCertificate()).enrolmentToken(coordinator.issueEnrolmentToken())
            .requireSecureAggregation(false).retry(new RetryPolicy(Duration.ofMillis(100), Duration.ofMillis(500), 40))
            .pollWait(Duration.ofSeconds(1)).build();
        runs.add(CompletableFuture.supplyAsync(client::run, pool));
      }

      wait.until(ExpectedConditions.presenceOfElementLocated(
          By.cssSelector("#chart circle[data-series='trainLoss'][data-round='2']")));
      wait.until(ExpectedConditions.presenceOfElementLocated(
          By.cssSelector("#chart circle[data-series='federatedAccuracy'][data-round='2']")));
      assertThat(((JavascriptExecutor) browser).executeScript("return window.cohortTestMarker;"))
          .as("the page was updated in place, not reloaded").isEqualTo("same page");
      assertThat(browser.findElement(By.id("conn")).getText()).isEqualTo("live");
      assertThat(browser.findElement(By.id("run")).getText()).isEqualTo(coordinator.runId());
      assertThat(browser.findElement(By.id("registered")).getText()).isEqualTo(String.valueOf(CLIENTS));
      assertThat(browser.findElement(By.id("online")).getText()).isEqualTo(String.valueOf(CLIENTS));
      assertThat(browser.findElement(By.id("epsilon")).getText()).matches("\u03b5 = \\d+\\.\\d{3}");
      assertThat(browser.findElement(By.id("cluster-summary")).getText()).contains("single coordinator");
      assertThat(browser.findElements(By.cssSelector("#rounds tr")).size()).isGreaterThanOrEqualTo(2);

      Path shot = Path.of("target", "dashboard-screenshot.png");
      Files.createDirectories(shot.getParent());
      Files.write(shot, browser.getScreenshotAs(OutputType.BYTES));
      assertThat(Files.size(shot)).as("a PNG screenshot").isGreaterThan(10_000);

      List<RoundRecord> rounds = coordinator.completion().toCompletionStage().toCompletableFuture()
          .get(BOUND.toSeconds(), TimeUnit.SECONDS);
      assertThat(rounds).hasSize(ROUNDS).allMatch(RoundRecord::completed);
      wait.until(ExpectedConditions.presenceOfElementLocated(
          By.cssSelector("#chart circle[data-series='trainLoss'][data-round='" + ROUNDS + "']")));
      for (CompletableFuture<ClientReport> run : runs) {
        run.get(30, TimeUnit.SECONDS);
      }
      coordinator.close().await();
    } finally {
      if (browser != null) {
        browser.quit();
      }
      service.stop();
      runs.forEach(r -> r.cancel(true));
      pool.shutdownNow();
      vertx.close().await();
    }
  }
}
