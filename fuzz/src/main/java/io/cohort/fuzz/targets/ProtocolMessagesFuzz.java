package io.cohort.fuzz.targets;

import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import com.google.protobuf.ByteString;
import io.cohort.fuzz.Findings;
import io.cohort.fuzz.Seeds;
import io.cohort.protocol.TensorChunks;
import io.cohort.protocol.v1.EncryptedShare;
import io.cohort.protocol.v1.ErrorCode;
import io.cohort.protocol.v1.FitTask;
import io.cohort.protocol.v1.ShareBundle;
import io.cohort.protocol.Frames;
import io.cohort.protocol.ProtocolException;
import io.cohort.protocol.SignedPayloads;
import io.cohort.protocol.compression.UpdateCompression;
import io.cohort.protocol.model.ModelArchitecture;
import io.cohort.protocol.v1.EnrolRequest;
import io.cohort.protocol.v1.EnrolResponse;
import io.cohort.protocol.v1.Error;
import io.cohort.protocol.v1.EvaluateResult;
import io.cohort.protocol.v1.LeaveRequest;
import io.cohort.protocol.v1.ModelHeader;
import io.cohort.protocol.v1.PollRequest;
import io.cohort.protocol.v1.Task;
import io.cohort.protocol.v1.RegisterRequest;
import io.cohort.protocol.v1.RegisterResponse;
import io.cohort.protocol.v1.SecAggMessage;
import io.cohort.protocol.v1.TensorChunk;
import io.cohort.protocol.v1.UpdateHeader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every protocol message as it arrives off the network, in both directions: the requests the coordinator reads (enrol,
 * register, poll, evaluation, leave, secure-aggregation message, update header, tensor chunk) and the replies a client
 * SDK reads from a coordinator it may not trust (register and enrol responses, tasks, model header, errors). The first
 * byte picks the message, the rest is the request body: one length-prefixed frame.
 *
 * <p>Allowed: {@link ProtocolException} with a message (a precise refusal). A finding: any other exception, a message
 * that parses but does not encode back to an equal message, or a follow-on decoder (the signed digest of a
 * secure-aggregation message, a task's compression setting, a header's model spec) failing in any way but its
 * documented refusal.
 */
public final class ProtocolMessagesFuzz {
  private record Kind(String name, Parser<? extends Message> parser) {}

  private static final List<Kind> KINDS = List.of(
      new Kind("EnrolRequest", EnrolRequest.parser()),
      new Kind("RegisterRequest", RegisterRequest.parser()),
      new Kind("PollRequest", PollRequest.parser()),
      new Kind("EvaluateResult", EvaluateResult.parser()),
      new Kind("LeaveRequest", LeaveRequest.parser()),
      new Kind("SecAggMessage", SecAggMessage.parser()),
      new Kind("UpdateHeader", UpdateHeader.parser()),
      new Kind("TensorChunk", TensorChunk.parser()),
      new Kind("RegisterResponse", RegisterResponse.parser()),
      new Kind("EnrolResponse", EnrolResponse.parser()),
      new Kind("Task", Task.parser()),
      new Kind("ModelHeader", ModelHeader.parser()),
      new Kind("Error", Error.parser()));

  private ProtocolMessagesFuzz() {}

  /** The message kinds, in the order the first input byte picks them. */
  public static List<String> kinds() {
    return KINDS.stream().map(Kind::name).toList();
  }

  /** Seed inputs: one well-formed message of each kind. */
  public static Map<String, byte[]> seeds() {
    ModelArchitecture model = ModelArchitecture.logreg(List.of(4), 3);
    List<Message> messages = List.of(
        EnrolRequest.newBuilder().setToken("token").setClientName("alice")
            .setCsrDer(ByteString.copyFrom(new byte[] {0x30, 0x03, 0x02, 0x01, 0x00})).build(),
        RegisterRequest.newBuilder().setClientName("alice").setProtocolVersion(1).setSdkVersion("0.1.0").build(),
        PollRequest.newBuilder().setClientId("c1").setClientToken("t1").setWaitMs(5000).build(),
        EvaluateResult.newBuilder().setClientId("c1").setClientToken("t1").setRunId("run").setRound(2)
            .setModelVersion(1).setNumExamples(100).setLoss(0.5f).setAccuracy(0.8f).build(),
        LeaveRequest.newBuilder().setClientId("c1").setClientToken("t1").build(),
        SecAggMessage.newBuilder().setClientId("c1").setClientToken("t1").setRunId("run").setRound(1)
            .setShares(ShareBundle.newBuilder().addShares(EncryptedShare.newBuilder().setFrom("c1").setTo("c2")
                .setCiphertext(ByteString.copyFrom(new byte[44])))).build(),
        UpdateHeader.newBuilder().setClientId("c1").setClientToken("t1").setRunId("run").setRound(1)
            .setModelVersion(0).setNumExamples(10).setTrainLoss(1f).setTrainAccuracy(0.5f).build(),
        TensorChunks.split(model.tensors(), new float[15], 8).get(0),
        RegisterResponse.newBuilder().setClientId("c1").setClientToken("t1").build(),
        EnrolResponse.newBuilder().setClientId("c1").setCertificateChainPem("-----BEGIN CERTIFICATE-----\n").build(),
        Task.newBuilder().setFit(FitTask.newBuilder().setRunId("run").setRound(1).setModel(model.toProto())
            .setCompression(UpdateCompression.q8().toProto())).build(),
        ModelHeader.newBuilder().setRunId("run").setVersion(0).setModel(model.toProto()).setTotalElements(15).build(),
        Error.newBuilder().setCode(ErrorCode.MALFORMED).setMessage("frame does not parse").build());
    Map<String, byte[]> seeds = new LinkedHashMap<>();
    for (int i = 0; i < KINDS.size(); i++) {
      seeds.put(KINDS.get(i).name(), Seeds.frames(i, List.of(messages.get(i))));
    }
    return seeds;
  }

  public static void fuzzerTestOneInput(byte[] input) throws IOException {
    if (input.length == 0) {
      return;
    }
    Kind kind = KINDS.get((input[0] & 0xff) % KINDS.size());
    byte[] body = Arrays.copyOfRange(input, 1, input.length);
    Message message;
    try {
      message = Frames.readSingle(new ByteArrayInputStream(body), kind.parser(), kind.name());
    } catch (ProtocolException e) {
      Findings.requireExplained(e);
      return;
    }
    Message back;
    try {
      back = Frames.readSingle(new ByteArrayInputStream(Frames.encode(message)), kind.parser(), kind.name());
    } catch (ProtocolException e) {
      throw new AssertionError(kind.name() + " parsed but its own encoding does not: " + e.getMessage(), e);
    }
    if (!back.equals(message)) {
      throw new AssertionError(kind.name() + " does not survive encode and parse: " + message + " vs " + back);
    }
    inspect(message);
  }

  /** The decoders that read a parsed message further. */
  private static void inspect(Message message) {
    if (message instanceof SecAggMessage m) {
      try {
        SignedPayloads.stageOf(m);
      } catch (IllegalArgumentException e) {
        Findings.requireExplained(e); // no stage: the coordinator refuses it
      }
      if (SignedPayloads.digest(m).length != 32) {
        throw new AssertionError("the signed digest of a secure-aggregation message is not 32 bytes");
      }
    } else if (message instanceof Task p && p.hasFit()) {
      try {
        UpdateCompression.fromProto(p.getFit().getCompression());
      } catch (IllegalArgumentException e) {
        Findings.requireExplained(e);
      }
    } else if (message instanceof ModelHeader h && h.hasModel()) {
      try {
        ModelArchitecture.fromProto(h.getModel());
      } catch (IllegalArgumentException e) {
        Findings.requireExplained(e);
      }
    }
  }
}
