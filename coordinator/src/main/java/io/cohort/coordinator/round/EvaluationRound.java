package io.cohort.coordinator.round;

import io.cohort.coordinator.strategy.EvaluationReport;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The state of an open federated-evaluation round. Confined to the coordinator's context. */
final class EvaluationRound {
  final int number;
  final long modelVersion;
  final List<String> invited;
  final RoundRecord fitRecord;
  final List<EvaluationReport> reports = new ArrayList<>();
  final Map<String, String> failures = new LinkedHashMap<>();
  long timerId = -1;
  boolean closed;

  EvaluationRound(int number, long modelVersion, List<String> invited, RoundRecord fitRecord) {
    this.number = number;
    this.modelVersion = modelVersion;
    this.invited = List.copyOf(invited);
    this.fitRecord = fitRecord;
  }

  boolean hasReported(String clientId) {
    return reports.stream().anyMatch(r -> r.clientId().equals(clientId));
  }

  boolean allAnswered() {
    return reports.size() + failures.size() >= invited.size();
  }
}
