package io.cohort.simulation.partition;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FilePartitionerTest {
  private static final int[] LABELS = {0, 1, 2, 0, 1, 2};

  @TempDir Path dir;

  private Path file(String json) throws Exception {
    Path file = dir.resolve("partition.json");
    Files.writeString(file, json);
    return file;
  }

  @Test
  void partition_validFile_givesEachClientItsIndicesSortedWhateverTheSeed() throws Exception {
    Path file = file("{\"description\": \"test\", \"clients\": [[5, 0, 3], [1], [4, 2]]}");
    Partitioner partitioner = Partitioners.parse("file:" + file);

    assertThat(partitioner.partition(LABELS, 3, 1)).isDeepEqualTo(new int[][] {{0, 3, 5}, {1}, {2, 4}});
    assertThat(partitioner.partition(LABELS, 3, 99)).isDeepEqualTo(new int[][] {{0, 3, 5}, {1}, {2, 4}});
    assertThat(partitioner.spec()).isEqualTo("file:" + file);
    assertThat(Partitioners.parse(partitioner.spec()).partition(LABELS, 3, 1))
        .isDeepEqualTo(partitioner.partition(LABELS, 3, 1));
  }

  @Test
  void publishedAs_namedOrNot_isWhatTheFileSays() throws Exception {
    assertThat(new FilePartitioner(file("{\"published_as\": \"dirichlet:0.5\", \"clients\": [[0]]}"))
        .publishedAs()).contains("dirichlet:0.5");
    assertThat(new FilePartitioner(file("{\"clients\": [[0]]}")).publishedAs()).isEmpty();
    assertThatThrownBy(() -> new FilePartitioner(file("{\"published_as\": 5, \"clients\": [[0]]}")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("\"published_as\" must be");
  }

  @Test
  void partition_otherClientCount_throwsNamingTheFilesCount() throws Exception {
    Partitioner partitioner = new FilePartitioner(file("{\"clients\": [[0, 1, 2], [3, 4, 5]]}"));

    assertThatThrownBy(() -> partition(partitioner, 3)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("has 2 clients, the run 3").hasMessageContaining("--clients 2");
  }

  @Test
  void partition_exampleGivenTwice_throwsNamingBothClients() throws Exception {
    Partitioner partitioner = new FilePartitioner(file("{\"clients\": [[0, 1, 2], [2, 3, 4, 5]]}"));

    assertThatThrownBy(() -> partition(partitioner, 2)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("example 2 is given to client 0 and to client 1");
  }

  @Test
  void partition_exampleLeftOut_throwsNamingIt() throws Exception {
    Partitioner partitioner = new FilePartitioner(file("{\"clients\": [[0, 1, 2], [3, 5]]}"));

    assertThatThrownBy(() -> partition(partitioner, 2)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("gives example 4 to no client");
  }

  @Test
  void partition_indexBeyondTheData_throwsSuggestingTheCause() throws Exception {
    Partitioner partitioner = new FilePartitioner(file("{\"clients\": [[0, 1, 2], [3, 4, 5, 6]]}"));

    assertThatThrownBy(() -> partition(partitioner, 2)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("has example 6, but the training set has 6").hasMessageContaining("--train-limit");
  }

  @Test
  void constructor_negativeOrFractionalIndex_throwsNamingThePosition() throws Exception {
    assertThatThrownBy(() -> new FilePartitioner(file("{\"clients\": [[0, -1]]}")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("clients[0][1] = -1");
    assertThatThrownBy(() -> new FilePartitioner(file("{\"clients\": [[0], [1.5]]}")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("clients[1][0] = 1.5");
  }

  @Test
  void constructor_notTheExpectedJson_throwsShowingTheForm() throws Exception {
    assertThatThrownBy(() -> new FilePartitioner(file("[[0, 1], [2]]")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no non-empty \"clients\" array");
    assertThatThrownBy(() -> new FilePartitioner(file("{\"clients\": [[0, 1], [2]")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cannot read partition file");
    assertThatThrownBy(() -> new FilePartitioner(dir.resolve("missing.json")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cannot read partition file");
    assertThatThrownBy(() -> Partitioners.parse("file:  "))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needs the path");
  }

  private static int[][] partition(Partitioner partitioner, int clients) {
    return partitioner.partition(LABELS, clients, 1);
  }
}
