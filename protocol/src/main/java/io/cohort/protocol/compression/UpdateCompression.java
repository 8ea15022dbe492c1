package io.cohort.protocol.compression;

import io.cohort.protocol.v1.Compression;
import io.cohort.protocol.v1.CompressionKind;
import io.cohort.protocol.v1.DType;
import java.util.Locale;
import java.util.Objects;

/**
 * How clients encode their updates in a run, decided by the coordinator and sent in every {@code FitTask}: dense
 * float32 ({@link #NONE}), stochastic 8- or 4-bit quantisation with one scale per block, or top-k sparsification with
 * client-side error feedback. Immutable; validated when made.
 *
 * @param kind the encoding
 * @param fraction {@link Kind#TOP_K}: the share of the update's elements sent, in (0, 1]; 0 otherwise
 * @param blockSize {@link Kind#Q8}, {@link Kind#Q4}: elements per scale, 1..2^20; 0 otherwise
 */
public record UpdateCompression(Kind kind, double fraction, int blockSize) {
  /** Elements per scale of the quantisers unless told otherwise: 4 bytes of scale per 256 elements (1.6 %). */
  public static final int DEFAULT_BLOCK = 256;
  /** Largest block: a chunk's worth of elements. */
  public static final int MAX_BLOCK = 1 << 20;
  /** Dense float32 updates: no compression. */
  public static final UpdateCompression NONE = new UpdateCompression(Kind.NONE, 0, 0);
  /** What {@link #parse} accepts, for flag descriptions and errors. */
  public static final String SPECS = "none, q8, q4, topk:FRACTION";

  /** The encodings. */
  public enum Kind {
    /** FLOAT32 chunks. */
    NONE("none", DType.FLOAT32, 0),
    /** QINT8 chunks: 8-bit stochastic quantisation, levels -127..127. */
    Q8("q8", DType.QINT8, 127),
    /** QINT4 chunks: 4-bit stochastic quantisation, levels -7..7, two per byte. */
    Q4("q4", DType.QINT4, 7),
    /** SPARSE_FLOAT32 chunks: the k largest-magnitude elements of update plus residual. */
    TOP_K("topk", DType.SPARSE_FLOAT32, 0);

    private final String spec;
    private final DType dtype;
    private final int levels;

    Kind(String spec, DType dtype, int levels) {
      this.spec = spec;
      this.dtype = dtype;
      this.levels = levels;
    }

    /** The chunk dtype of this encoding. */
    public DType dtype() {
      return dtype;
    }

    /** The largest quantisation level L (q in [-L, L]); 0 for the encodings that do not quantise. */
    public int levels() {
      return levels;
    }

    /** Whether this is a quantiser (Q8 or Q4). */
    public boolean quantizes() {
      return levels > 0;
    }
  }

  /** Validates the combination of kind, fraction and block size. */
  public UpdateCompression {
    Objects.requireNonNull(kind, "kind");
    if (kind == Kind.TOP_K) {
      if (!(fraction > 0 && fraction <= 1)) {
        throw new IllegalArgumentException("top-k compression sends a fraction of the update in (0, 1], got "
            + fraction + "; e.g. topk:0.1 sends the largest 10 %");
      }
    } else if (fraction != 0) {
      throw new IllegalArgumentException(kind.spec + " compression takes no fraction, got " + fraction);
    }
    if (kind.quantizes()) {
      if (blockSize < 1 || blockSize > MAX_BLOCK) {
        throw new IllegalArgumentException("quantisation block size must be in 1.." + MAX_BLOCK + ", got "
            + blockSize);
      }
    } else if (blockSize != 0) {
      throw new IllegalArgumentException(kind.spec + " compression takes no block size, got " + blockSize);
    }
  }

  /** 8-bit quantisation with {@link #DEFAULT_BLOCK}-element blocks. */
  public static UpdateCompression q8() {
    return new UpdateCompression(Kind.Q8, 0, DEFAULT_BLOCK);
  }

  /** 4-bit quantisation with {@link #DEFAULT_BLOCK}-element blocks. */
  public static UpdateCompression q4() {
    return new UpdateCompression(Kind.Q4, 0, DEFAULT_BLOCK);
  }

  /** Top-k sparsification sending {@code fraction} of the elements. */
  public static UpdateCompression topK(double fraction) {
    return new UpdateCompression(Kind.TOP_K, fraction, 0);
  }

  /**
   * Parses a command-line setting: {@code none}, {@code q8}, {@code q4} or {@code topk:FRACTION} (fraction in (0, 1],
   * e.g. {@code topk:0.1}).
   *
   * @throws IllegalArgumentException naming the setting and what is accepted
   */
  public static UpdateCompression parse(String spec) {
    String s = Objects.requireNonNull(spec, "spec").strip().toLowerCase(Locale.ROOT);
    switch (s) {
      case "none":
        return NONE;
      case "q8":
        return q8();
      case "q4":
        return q4();
      default:
        break;
    }
    if (s.startsWith("topk:")) {
      double fraction;
      try {
        fraction = Double.parseDouble(s.substring("topk:".length()));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("--compression " + spec + ": the top-k fraction must be a number in "
            + "(0, 1], e.g. topk:0.1");
      }
      if (!(fraction > 0 && fraction <= 1)) {
        throw new IllegalArgumentException("--compression " + spec + ": the top-k fraction must be in (0, 1], e.g. "
            + "topk:0.1");
      }
      return topK(fraction);
    }
    throw new IllegalArgumentException("--compression must be one of " + SPECS + ", got '" + spec + "'"
        + (s.equals("topk") ? " (give the fraction sent, e.g. topk:0.1)" : ""));
  }

  /** The setting a {@code FitTask} carries; {@link #NONE} when it carries none. */
  public static UpdateCompression fromProto(Compression c) {
    return switch (c.getKind()) {
      case COMPRESSION_NONE -> NONE;
      case QUANTIZE_8BIT -> new UpdateCompression(Kind.Q8, 0, c.getBlockSize());
      case QUANTIZE_4BIT -> new UpdateCompression(Kind.Q4, 0, c.getBlockSize());
      case TOP_K -> new UpdateCompression(Kind.TOP_K, c.getFraction(), 0);
      default -> throw new IllegalArgumentException("unknown compression kind " + c.getKindValue()
          + "; this client knows " + SPECS);
    };
  }

  /** The wire form, for a {@code FitTask}. */
  public Compression toProto() {
    CompressionKind k = switch (kind) {
      case NONE -> CompressionKind.COMPRESSION_NONE;
      case Q8 -> CompressionKind.QUANTIZE_8BIT;
      case Q4 -> CompressionKind.QUANTIZE_4BIT;
      case TOP_K -> CompressionKind.TOP_K;
    };
    return Compression.newBuilder().setKind(k).setBlockSize(blockSize).setFraction(fraction).build();
  }

  /** Whether updates are compressed at all. */
  public boolean enabled() {
    return kind != Kind.NONE;
  }

  /** The command-line form: {@code none}, {@code q8}, {@code q4} or {@code topk:FRACTION}. */
  public String spec() {
    return kind == Kind.TOP_K ? "topk:" + fraction : kind.spec;
  }

  /** Top-k: how many of {@code n} elements a client sends, {@code max(1, round(fraction * n))}, at most n. */
  public int k(int n) {
    if (kind != Kind.TOP_K) {
      throw new IllegalStateException(spec() + " compression sends every element");
    }
    return (int) Math.min(n, Math.max(1, Math.round(fraction * n)));
  }

  /**
   * The most bytes of element data (chunk {@code data}, scales and indices, without chunk framing) an update of
   * {@code n} elements in this encoding needs, split into chunks of at most {@code chunkElements}: for the coordinator's
   * size limit.
   */
  public long maxDataBytes(long n, int chunkElements) {
    long chunks = (n + chunkElements - 1) / chunkElements;
    return switch (kind) {
      case NONE -> 4 * n;
      case Q8 -> n + 4 * ((n + blockSize - 1) / blockSize + chunks);
      case Q4 -> (n + 1) / 2 + chunks + 4 * ((n + blockSize - 1) / blockSize + chunks);
      // 4 bytes a value and at most 5 (a uint32 varint) an index
      case TOP_K -> 9L * k((int) Math.min(Integer.MAX_VALUE, n));
    };
  }

  @Override
  public String toString() {
    return spec();
  }
}
