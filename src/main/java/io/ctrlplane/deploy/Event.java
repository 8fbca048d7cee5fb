package io.ctrlplane.deploy;

import java.time.Instant;
import java.util.List;

/**
 * A deploy event as the outbox stores it and Kafka carries it (a CloudEvent): which deployment, of
 * which instance, what happened, and the deployment as it was at that moment ({@link Data}, never
 * env). The per-instance sequence and the tenant are filled in where the event is appended, from
 * the instance row.
 */
public record Event(
    String id, String type, String instanceId, String deploymentId, Instant time, Data data) {
  public static final String QUEUED = "deploy.queued";
  public static final String STARTED = "deploy.started";
  public static final String PROGRESSED = "deploy.progressed";
  public static final String SUCCEEDED = "deploy.succeeded";
  public static final String FAILED = "deploy.failed";
  public static final String CANCELLED = "deploy.cancelled";
  public static final String ROLLED_BACK = "deploy.rolled_back";
  public static final String ANALYSIS = "deploy.analysis";
  public static final String APPROVAL_REQUESTED = "deploy.approval_requested";
  public static final String APPROVED = "deploy.approved";
  public static final String REJECTED = "deploy.rejected";

  /** Every type, in lifecycle order; each has a schema at events/schemas/&lt;type&gt;.json. */
  public static final List<String> TYPES =
      List.of(
          QUEUED,
          STARTED,
          PROGRESSED,
          SUCCEEDED,
          FAILED,
          CANCELLED,
          ROLLED_BACK,
          ANALYSIS,
          APPROVAL_REQUESTED,
          APPROVED,
          REJECTED);

  /** A new event with a fresh id, stamped now. */
  public static Event of(String type, Data data) {
    return new Event(
        Ids.next("evt"), type, data.instanceId(), data.deploymentId(), Instant.now(), data);
  }

  /**
   * The event's data: ids and versions, built field by field (not by copying the row) so a column
   * added later cannot leak into events; the schemas under events/schemas are closed for the same
   * reason.
   */
  public record Data(
      String deploymentId,
      String instanceId,
      String instanceName,
      String kind,
      String releaseId,
      Integer version,
      String image,
      String strategy,
      DeploymentState state,
      String error,
      VersionRef previousRelease,
      Doc progress,
      Deployment.Initiator initiatedBy) {

    /**
     * The deployment as it is now; {@code progress}, when given, replaces its stored progress (an
     * event written with the step it reports).
     */
    public static Data of(Deployment d, String instanceName, Doc progress) {
      return new Data(
          d.id(),
          d.instanceId(),
          instanceName,
          d.kind(),
          d.release().id(),
          d.release().version(),
          d.release().image(),
          d.strategy(),
          d.state(),
          d.error(),
          d.previousRelease(),
          progress != null ? progress : d.progress() != null ? d.progress() : Doc.EMPTY,
          d.initiatedBy());
    }
  }
}
