package io.cohort.simulation.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.GraphicsEnvironment;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AccuracyPlotTest {
  @TempDir Path out;

  @Test
  void write_twentyRounds_writesReadablePng() throws IOException {
    List<RoundRow> rows = new ArrayList<>();
    for (int r = 1; r <= 20; r++) {
      double acc = 0.85 - 0.5 * Math.exp(-r / 4.0);
      rows.add(new RoundRow(r, acc, 1.5 * Math.exp(-r / 5.0) + 0.3, 10, 1.2, acc - 0.01, false,
          r % 2 == 0 ? 0.5 : null, acc - 0.02, null, null));
    }

    Path png = AccuracyPlot.write(out.resolve("run"), rows, "FedAvg, iid, 10 clients");

    assertThat(png).isEqualTo(out.resolve("run").resolve("accuracy.png"));
    assertThat(GraphicsEnvironment.isHeadless()).isTrue();
    BufferedImage image = ImageIO.read(png.toFile());
    assertThat(image).isNotNull();
    assertThat(image.getWidth()).isEqualTo(AccuracyPlot.WIDTH);
    assertThat(image.getHeight()).isEqualTo(AccuracyPlot.HEIGHT);
    assertThat(distinctColours(image)).isGreaterThan(10);
    try (Stream<Path> files = Files.list(png.getParent())) {
      assertThat(files).containsExactly(png);
    }
  }

  @Test
  void write_singleRoundWithFailedRound_stillDraws() throws IOException {
    List<RoundRow> rows = List.of(
        new RoundRow(1, 0.4, 1.2, 5, 0.5, 0.35, false, null, null, null, null),
        new RoundRow(2, Double.NaN, Double.NaN, 0, 0.1, Double.NaN, true, null, null, null, null));
    Path png = AccuracyPlot.write(out, rows, null);
    assertThat(ImageIO.read(png.toFile())).isNotNull();
  }

  @Test
  void write_noFiniteValues_failsWithAdvice() {
    List<RoundRow> rows = List.of(new RoundRow(1, Double.NaN, Double.NaN, 0, 0.1, Double.NaN, true, null, null,
        null, null));
    assertThatThrownBy(() -> AccuracyPlot.write(out, rows, "x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("after at least one evaluated round");
    assertThatThrownBy(() -> AccuracyPlot.write(out, List.of(), "x"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private static int distinctColours(BufferedImage image) {
    Set<Integer> colours = new HashSet<>();
    for (int y = 0; y < image.getHeight(); y += 3) {
      for (int x = 0; x < image.getWidth(); x += 3) {
        colours.add(image.getRGB(x, y));
      }
    }
    return colours.size();
  }
}
