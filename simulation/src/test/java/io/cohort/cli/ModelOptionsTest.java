package io.cohort.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.protocol.v1.Optimizer;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The local-training defaults the model flags give, per strategy. */
class ModelOptionsTest {
  @CommandLine.Command(name = "test")
  static final class Holder {
    @CommandLine.Mixin ModelOptions options;
  }

  private static ModelOptions parse(String... args) {
    Holder holder = new Holder();
    new CommandLine(holder).parseArgs(args);
    return holder.options;
  }

  @Test
  void sgdMomentum_defaultsTo09_butToZeroForScaffold_andAnExplicitValueWins() {
    assertThat(parse("--optimizer", "sgd").train("fedavg").momentum()).isEqualTo(0.9);
    assertThat(parse("--optimizer", "sgd").train("scaffold").momentum()).isZero();
    assertThat(parse("--optimizer", "sgd").train(" scaffold:0.5").momentum()).isZero();
    assertThat(parse("--optimizer", "sgd", "--momentum", "0.5").train("scaffold").momentum()).isEqualTo(0.5);
    assertThat(parse().train("scaffold").optimizer()).isEqualTo(Optimizer.ADAM); // refused later, with a reason
  }
}
