package io.cohort.protocol.compression;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.protocol.v1.Compression;
import io.cohort.protocol.v1.CompressionKind;
import org.junit.jupiter.api.Test;

class UpdateCompressionTest {
  @Test
  void parse_eachSpec_givesItsKindAndRoundTripsThroughTheWire() {
    assertThat(UpdateCompression.parse("none")).isEqualTo(UpdateCompression.NONE);
    assertThat(UpdateCompression.parse("Q8")).isEqualTo(new UpdateCompression(UpdateCompression.Kind.Q8, 0, 256));
    assertThat(UpdateCompression.parse("q4").kind()).isEqualTo(UpdateCompression.Kind.Q4);
    UpdateCompression topk = UpdateCompression.parse("topk:0.1");
    assertThat(topk.fraction()).isEqualTo(0.1);
    assertThat(topk.spec()).isEqualTo("topk:0.1");
    for (String spec : new String[] {"none", "q8", "q4", "topk:0.25"}) {
      UpdateCompression c = UpdateCompression.parse(spec);
      assertThat(UpdateCompression.fromProto(c.toProto())).isEqualTo(c);
    }
    assertThat(UpdateCompression.fromProto(Compression.getDefaultInstance())).isEqualTo(UpdateCompression.NONE);
  }

  @Test
  void parse_badSpecs_refusedNamingWhatIsAccepted() {
    assertThatThrownBy(() -> UpdateCompression.parse("q16")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("none, q8, q4, topk:FRACTION");
    assertThatThrownBy(() -> UpdateCompression.parse("topk")).hasMessageContaining("topk:0.1");
    assertThatThrownBy(() -> UpdateCompression.parse("topk:0")).hasMessageContaining("(0, 1]");
    assertThatThrownBy(() -> UpdateCompression.parse("topk:1.5")).hasMessageContaining("(0, 1]");
    assertThatThrownBy(() -> UpdateCompression.parse("topk:x")).hasMessageContaining("number");
  }

  @Test
  void fromProto_invalidSettings_refused() {
    assertThatThrownBy(() -> UpdateCompression.fromProto(Compression.newBuilder()
        .setKind(CompressionKind.QUANTIZE_8BIT).build())).hasMessageContaining("block size");
    assertThatThrownBy(() -> UpdateCompression.fromProto(Compression.newBuilder()
        .setKind(CompressionKind.TOP_K).setFraction(Double.NaN).build())).hasMessageContaining("(0, 1]");
    assertThatThrownBy(() -> UpdateCompression.fromProto(Compression.newBuilder().setKindValue(9).build()))
        .hasMessageContaining("unknown compression kind 9");
  }

  @Test
  void k_roundsTheFractionAndSendsAtLeastOne() {
    assertThat(UpdateCompression.topK(0.1).k(101_770)).isEqualTo(10_177);
    assertThat(UpdateCompression.topK(0.1).k(4)).isEqualTo(1); // round(0.4) = 0, but at least one
    assertThat(UpdateCompression.topK(1).k(7)).isEqualTo(7);
  }

  @Test
  void maxDataBytes_boundsWhatEachEncodingNeeds() {
    // 1000 elements in one chunk, blocks of 256: 4 blocks
    assertThat(UpdateCompression.NONE.maxDataBytes(1000, 1 << 20)).isEqualTo(4000);
    assertThat(UpdateCompression.q8().maxDataBytes(1000, 1 << 20)).isEqualTo(1000 + 4 * (4 + 1));
    assertThat(UpdateCompression.q4().maxDataBytes(1000, 1 << 20)).isEqualTo(500 + 1 + 4 * (4 + 1));
    assertThat(UpdateCompression.topK(0.1).maxDataBytes(1000, 1 << 20)).isEqualTo(9 * 100);
  }
}
