package io.cohort.simulation.data;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Fashion-MNIST as loaded by {@link FashionMnist}: the 60,000 training and 10,000 test images, the class names and
 * the directory they came from. A tabular CSV ({@link CsvData}) comes in the same form: flat rows as one-dimensional
 * "images", the label names as class names, the file as source.
 *
 * @param train the training split
 * @param test the test split
 * @param classNames name of each class, indexed by label ({@link FashionMnist#CLASS_NAMES})
 * @param source directory the four files were read from
 */
public record FashionMnistData(LabeledImages train, LabeledImages test, List<String> classNames, Path source) {
  /** Checks that both splits agree with the class names. */
  public FashionMnistData {
    Objects.requireNonNull(train, "train");
    Objects.requireNonNull(test, "test");
    Objects.requireNonNull(source, "source");
    classNames = List.copyOf(classNames);
    if (train.numClasses() != classNames.size() || test.numClasses() != classNames.size()) {
      throw new IllegalArgumentException("train has " + train.numClasses() + " classes and test "
          + test.numClasses() + ", but there are " + classNames.size() + " class names");
    }
  }
}
