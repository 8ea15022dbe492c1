package io.cohort.simulation.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class IdxFilesTest {
  @TempDir Path dir;

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void readImages_rawOrGzip_scalesPixelsRowMajor(boolean compressed) throws IOException {
    byte[] idx = IdxTestFiles.images(3, 2, 4);
    Path file = write("images", compressed ? IdxTestFiles.gzip(idx) : idx);

    IdxFiles.Images images = IdxFiles.readImages(file);

    assertThat(images.count()).isEqualTo(3);
    assertThat(images.rows()).isEqualTo(2);
    assertThat(images.columns()).isEqualTo(4);
    assertThat(images.imageSize()).isEqualTo(8);
    assertThat(images.pixels()).hasSize(24);
    for (int i = 0; i < 3; i++) {
      for (int p = 0; p < 8; p++) {
        assertThat(images.pixels()[i * 8 + p]).isEqualTo(IdxTestFiles.pixel(i, p) / 255f);
      }
    }
  }

  @Test
  void readImages_extremeBytes_mapToZeroAndOne() throws IOException {
    byte[] idx = IdxTestFiles.images(1, 1, 3);
    idx[16] = 0;
    idx[17] = (byte) 255;
    idx[18] = (byte) 51;
    float[] pixels = IdxFiles.readImages(write("x", idx)).pixels();
    assertThat(pixels).containsExactly(0f, 1f, 0.2f);
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void readLabels_rawOrGzip_returnsUnsignedValues(boolean compressed) throws IOException {
    byte[] idx = IdxTestFiles.labels(0, 9, 3, 200);
    Path file = write("labels", compressed ? IdxTestFiles.gzip(idx) : idx);
    assertThat(IdxFiles.readLabels(file)).containsExactly(0, 9, 3, 200);
  }

  @Test
  void readImages_labelFile_failsWithBadMagic() throws IOException {
    Path file = write("labels", IdxTestFiles.labels(1, 2));
    assertThatThrownBy(() -> IdxFiles.readImages(file))
        .isInstanceOf(IOException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("bad magic number 0x00000801")
        .hasMessageContaining("expected 0x00000803")
        .hasMessageContaining("label file");
  }

  @Test
  void readLabels_notIdx_failsWithBadMagic() throws IOException {
    Path file = write("text", "hello world, not idx".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    assertThatThrownBy(() -> IdxFiles.readLabels(file))
        .hasMessageContaining("bad magic number")
        .hasMessageContaining("not an IDX file");
  }

  @Test
  void readImages_truncatedPixels_failsNamingSizes() throws IOException {
    byte[] idx = IdxTestFiles.images(3, 2, 2);
    Path file = write("cut", Arrays.copyOf(idx, idx.length - 5));
    assertThatThrownBy(() -> IdxFiles.readImages(file))
        .hasMessageContaining("truncated file")
        .hasMessageContaining("12 pixel bytes")
        .hasMessageContaining("ends after 7");
  }

  @Test
  void readImages_truncatedHeader_fails() throws IOException {
    Path file = write("short", Arrays.copyOf(IdxTestFiles.images(1, 2, 2), 10));
    assertThatThrownBy(() -> IdxFiles.readImages(file))
        .hasMessageContaining("truncated file")
        .hasMessageContaining("row count");
  }

  @Test
  void readLabels_truncated_fails() throws IOException {
    byte[] idx = IdxTestFiles.labels(1, 2, 3, 4);
    Path file = write("cut", Arrays.copyOf(idx, idx.length - 1));
    assertThatThrownBy(() -> IdxFiles.readLabels(file))
        .hasMessageContaining("truncated file")
        .hasMessageContaining("4 labels");
  }

  @Test
  void readImages_truncatedGzip_failsAsCorruptGzip() throws IOException {
    byte[] gz = IdxTestFiles.gzip(IdxTestFiles.images(50, 28, 28));
    Path file = write("cut.gz", Arrays.copyOf(gz, gz.length / 2));
    assertThatThrownBy(() -> IdxFiles.readImages(file))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("truncated or corrupt gzip");
  }

  @Test
  void readImages_trailingBytes_failsAsDimensionMismatch() throws IOException {
    byte[] idx = IdxTestFiles.images(2, 2, 2);
    Path file = write("long", Arrays.copyOf(idx, idx.length + 3));
    assertThatThrownBy(() -> IdxFiles.readImages(file))
        .hasMessageContaining("3 byte(s) after the 2 images of 2 x 2")
        .hasMessageContaining("dimensions do not match");
  }

  @Test
  void readImages_negativeDimension_fails() throws IOException {
    byte[] idx = IdxTestFiles.images(1, 1, 1);
    idx[4] = (byte) 0xFF;
    Path file = write("neg", idx);
    assertThatThrownBy(() -> IdxFiles.readImages(file)).hasMessageContaining("header is corrupt");
  }

  @Test
  void readImages_emptyFile_fails() throws IOException {
    Path file = write("empty", new byte[0]);
    assertThatThrownBy(() -> IdxFiles.readImages(file)).hasMessageContaining("truncated file");
  }

  private Path write(String name, byte[] bytes) throws IOException {
    return Files.write(dir.resolve(name), bytes);
  }
}
