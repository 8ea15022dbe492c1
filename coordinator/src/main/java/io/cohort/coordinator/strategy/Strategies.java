package io.cohort.coordinator.strategy;

/**
 * The strategies by name, as {@code --strategy} takes them: {@code fedavg}; {@code fedprox[:MU]} (default 0.01);
 * {@code fedavgm[:LR[:MOMENTUM]]}
 * (defaults 1.0, 0.9); {@code fedadagrad|fedadam|fedyogi[:LR[:TAU]]} (defaults 0.01, 0.001; beta1 0.9, beta2 0.99,
 * as in Reddi et al. 2021); {@code median}; {@code trimmed-mean[:BETA]} (default 0.1); {@code krum[:F[:M]]} (defaults
 * F = 1, M = 1; M > 1 is Multi-Krum); {@code bulyan[:F]} (default F = 1; a round needs 4F + 3 updates);
 * {@code scaffold[:SERVER_LR]} (default 1).
 */
public final class Strategies {
  /** The names, for help texts and errors. */
  public static final String NAMES = "fedavg, fedprox[:MU], fedavgm[:LR[:MOMENTUM]], fedadagrad[:LR[:TAU]], "
      + "fedadam[:LR[:TAU]], "
      + "fedyogi[:LR[:TAU]], median, trimmed-mean[:BETA], krum[:F[:M]], bulyan[:F], scaffold[:SERVER_LR]";

  private Strategies() {}

  /**
   * The strategy {@code spec} names, sampling {@code fraction} of the live clients and at least {@code minClients}.
   *
   * @throws IllegalArgumentException naming the bad part and the allowed names
   */
  public static Strategy parse(String spec, double fraction, int minClients) {
    String[] parts = spec.trim().split(":", -1);
    try {
      return switch (parts[0]) {
        case "fedavg" -> {
          expect(parts, 1, spec);
          yield new FedAvg(fraction, minClients);
        }
        case "fedprox" -> {
          expect(parts, 2, spec);
          yield new FedProx(fraction, minClients, number(parts, 1, 0.01));
        }
        case "fedavgm" -> {
          expect(parts, 3, spec);
          yield new ServerOptimizer(ServerOptimizer.Kind.AVGM, fraction, minClients, number(parts, 1, 1.0),
              number(parts, 2, 0.9), 0, 1);
        }
        case "fedadagrad", "fedadam", "fedyogi" -> {
          expect(parts, 3, spec);
          ServerOptimizer.Kind kind = ServerOptimizer.Kind.valueOf(parts[0].substring(3).toUpperCase());
          yield new ServerOptimizer(kind, fraction, minClients, number(parts, 1, 0.01), 0.9, 0.99,
              number(parts, 2, 1e-3));
        }
        case "median" -> {
          expect(parts, 1, spec);
          yield RobustAggregation.median(fraction, minClients);
        }
        case "trimmed-mean" -> {
          expect(parts, 2, spec);
          yield RobustAggregation.trimmedMean(fraction, minClients, parts.length > 1 ? Double.parseDouble(parts[1])
              : 0.1);
        }
        case "krum" -> {
          expect(parts, 3, spec);
          int f = parts.length > 1 ? Integer.parseInt(parts[1]) : 1;
          int m = parts.length > 2 ? Integer.parseInt(parts[2]) : 1;
          yield RobustAggregation.krum(fraction, minClients, f, m);
        }
        case "bulyan" -> {
          expect(parts, 2, spec);
          yield RobustAggregation.bulyan(fraction, minClients, parts.length > 1 ? Integer.parseInt(parts[1]) : 1);
        }
        case "scaffold" -> {
          expect(parts, 2, spec);
          yield new Scaffold(fraction, minClients, number(parts, 1, 1.0));
        }
        default -> throw new IllegalArgumentException("unknown strategy '" + spec + "'; expected one of " + NAMES);
      };
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("strategy '" + spec + "' has a parameter that is not a number; expected "
          + "one of " + NAMES);
    }
  }

  private static double number(String[] parts, int index, double otherwise) {
    return parts.length > index ? Double.parseDouble(parts[index]) : otherwise;
  }

  private static void expect(String[] parts, int most, String spec) {
    if (parts.length > most) {
      throw new IllegalArgumentException("strategy '" + spec + "' has too many parameters; expected one of " + NAMES);
    }
  }
}
