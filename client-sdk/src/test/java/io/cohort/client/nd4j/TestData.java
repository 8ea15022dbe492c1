package io.cohort.client.nd4j;

import io.cohort.client.LocalDataset;
import java.util.List;
import java.util.SplittableRandom;

/** Small generated data sets that a model can learn: each class is a random prototype plus Gaussian noise. */
final class TestData {
  private TestData() {}

  static LocalDataset prototypes(List<Integer> shape, int numClasses, int size, double noise, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    int exampleSize = shape.stream().reduce(1, Math::multiplyExact);
    float[][] prototype = new float[numClasses][exampleSize];
    for (float[] p : prototype) {
      for (int j = 0; j < exampleSize; j++) {
        p[j] = (float) random.nextDouble();
      }
    }
    float[] features = new float[size * exampleSize];
    int[] labels = new int[size];
    for (int i = 0; i < size; i++) {
      labels[i] = i % numClasses;
      for (int j = 0; j < exampleSize; j++) {
        features[i * exampleSize + j] = (float) (prototype[labels[i]][j] + noise * gaussian(random));
      }
    }
    return LocalDataset.of(features, labels, shape, numClasses);
  }

  static double gaussian(SplittableRandom random) {
    double u = random.nextDouble(Double.MIN_VALUE, 1);
    double v = random.nextDouble();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
}
