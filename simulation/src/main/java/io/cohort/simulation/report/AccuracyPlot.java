package io.cohort.simulation.report;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.XYStyler;

/**
 * Draws {@code accuracy.png}: test accuracy (left axis, 0 to 1) and test loss (right axis) against the round, plus
 * federated-evaluation accuracy and mean training loss when the rows carry them.
 *
 * <p>Rendering is headless: the class sets {@code java.awt.headless=true} when it is loaded, which takes effect if
 * AWT has not been initialised yet (it never is in the CLI). Start the JVM with {@code -Djava.awt.headless=true}
 * to be certain.
 */
public final class AccuracyPlot {
  /** The file name under the output directory. */
  public static final String FILE_NAME = "accuracy.png";
  /** Image width in pixels. */
  public static final int WIDTH = 900;
  /** Image height in pixels. */
  public static final int HEIGHT = 540;

  static {
    System.setProperty("java.awt.headless", "true");
  }

  private AccuracyPlot() {}

  /**
   * Writes {@code outDir/accuracy.png}, replacing it atomically if it exists.
   *
   * @param outDir output directory, created if needed
   * @param rows the rounds so far, in any order
   * @param title chart title, e.g. {@code "FedAvg, dirichlet:0.5, 100 clients"}
   * @return the PNG file
   * @throws IllegalArgumentException if no row has a finite accuracy or loss to plot
   * @throws IOException if the file cannot be written
   */
  public static Path write(Path outDir, List<RoundRow> rows, String title) throws IOException {
    XYChart chart = chart(rows, title);
    return AtomicFiles.write(outDir, FILE_NAME, out -> BitmapEncoder.saveBitmap(chart, out,
        BitmapEncoder.BitmapFormat.PNG));
  }

  /** Builds the chart without writing it (for tests and for callers that render elsewhere). */
  static XYChart chart(List<RoundRow> rows, String title) {
    XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title == null ? "" : title)
        .xAxisTitle("round").yAxisTitle("accuracy").build();
    XYStyler styler = chart.getStyler();
    styler.setLegendPosition(Styler.LegendPosition.OutsideS);
    styler.setLegendLayout(Styler.LegendLayout.Horizontal);
    styler.setYAxisGroupPosition(1, Styler.YAxisPosition.Right);
    styler.setMarkerSize(5);
    styler.setChartTitleVisible(title != null && !title.isBlank());
    styler.setYAxisMin(0, 0.0);
    styler.setYAxisMax(0, 1.0);
    styler.setXAxisDecimalPattern("#");
    chart.setYAxisGroupTitle(0, "accuracy");
    chart.setYAxisGroupTitle(1, "loss");

    int added = 0;
    added += add(chart, "test accuracy", rows, r -> r.accuracy(), 0);
    added += add(chart, "federated eval accuracy", rows, RoundRow::fedEvalAccuracy, 0);
    added += add(chart, "test loss", rows, r -> r.loss(), 1);
    added += add(chart, "train loss", rows, RoundRow::trainLoss, 1);
    if (added == 0) {
      throw new IllegalArgumentException("no round has a finite accuracy or loss to plot (" + rows.size()
          + " rows); write the plot after at least one evaluated round");
    }
    return chart;
  }

  private static int add(XYChart chart, String name, List<RoundRow> rows, Function<RoundRow, Double> value,
      int axis) {
    List<Integer> xs = new ArrayList<>();
    List<Double> ys = new ArrayList<>();
    rows.stream().sorted(Comparator.comparingInt(RoundRow::round)).forEach(r -> {
      Double y = value.apply(r);
      if (y != null && Double.isFinite(y)) {
        xs.add(r.round());
        ys.add(y);
      }
    });
    if (xs.isEmpty()) {
      return 0;
    }
    XYSeries series = chart.addSeries(name, xs, ys);
    series.setYAxisGroup(axis);
    if (axis == 1) {
      series.setLineStyle(SeriesLines.DASH_DASH); // losses dashed, to tell the two axes apart
    }
    return 1;
  }
}
