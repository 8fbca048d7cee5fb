package io.ctrlplane.lifecycle;

import io.ctrlplane.deploy.DeploymentState;
import io.ctrlplane.deploy.Doc;
import io.ctrlplane.deploy.Event;
import io.ctrlplane.deploy.codec.DeployJson;
import io.ctrlplane.strategy.Plan;
import io.ctrlplane.strategy.json.PlanCodec;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;

/**
 * The runner's fenced writes of a deployment's execution state: the plan, the step reached, the
 * revert, the progress shown to users. Every write names the lease epoch, so a runner that lost its
 * lease writes nothing; each step boundary also appends a deploy.progressed event in the same
 * transaction.
 */
public final class Checkpoints {
  private static final String FENCED = Fenced.WHERE;

  private final Pool pool;
  private final ProgressWrites progressWrites;

  /** Checkpoints whose progress writes go one at a time. */
  public Checkpoints(Pool pool) {
    this(pool, new ProgressWrites(pool));
  }

  /**
   * Checkpoints sharing {@code progressWrites} with others: a runner's deployments write their
   * progress in coalesced statements.
   */
  public Checkpoints(Pool pool, ProgressWrites progressWrites) {
    this.pool = pool;
    this.progressWrites = progressWrites;
  }

  /** Stores the plan a fresh deployment will follow; the deadline of its first step starts now. */
  public Future<Void> savePlan(Claim claim, Plan plan, Doc progress) {
    return pool.preparedQuery(
            "UPDATE deployments SET plan = $3, checkpoint = 0, revert_checkpoint = 0, "
                + "step_started_at = now(), progress = $4, updated_at = now()"
                + FENCED
                + " AND plan IS NULL")
        .execute(
            Tuple.of(
                claim.deploymentId(),
                claim.epoch(),
                PlanCodec.toJson(plan),
                DeployJson.json(progress)))
        .compose(rs -> Fenced.one(rs, claim));
  }

  /**
   * Step {@code done} is complete: the next one starts now. A promote aimed at a step already
   * passed is dropped; a full promote stays until the steps it skips are behind ({@code
   * finishFrom}).
   */
  public Future<Void> advance(Claim claim, int done, int finishFrom, Doc progress) {
    return stepEvent(
        claim,
        progress,
        "UPDATE deployments SET checkpoint = $3::int, step_started_at = now(), "
            + "progress = $4, updated_at = now(), promote = CASE "
            + "WHEN promote IS NULL THEN NULL "
            + "WHEN coalesce((promote->>'full')::boolean, false) THEN (CASE WHEN $3::int >= $6::int THEN NULL ELSE promote END) "
            + "WHEN (promote->>'step')::int < $3::int THEN NULL ELSE promote END"
            + FENCED
            + " AND checkpoint = $5::int",
        Tuple.of(
            claim.deploymentId(),
            claim.epoch(),
            done + 1,
            DeployJson.json(progress),
            done,
            finishFrom));
  }

  /** A full promote: skip straight to the finishing steps. */
  public Future<Void> jump(Claim claim, int from, int to, Doc progress) {
    return stepEvent(
        claim,
        progress,
        "UPDATE deployments SET checkpoint = $3, step_started_at = now(), "
            + "progress = $4, promote = NULL, updated_at = now()"
            + FENCED
            + " AND checkpoint = $5",
        Tuple.of(claim.deploymentId(), claim.epoch(), to, DeployJson.json(progress), from));
  }

  /**
   * Starts reverting; the outcome (failed or cancelled) and reason are kept for the end. A cancel
   * the API accepted (202) before this write wins over a failure found at the same moment: the
   * client was told its deployment would end cancelled.
   *
   * @param outcome how the deployment will end once reverted: checked now against the state
   *     machine, so a revert never starts towards an end it could not reach
   */
  public Future<Void> abort(Claim claim, DeploymentState outcome, String reason, Doc progress) {
    return Transition.check(DeploymentState.RUNNING, outcome)
        .compose(
            legal ->
                stepEvent(
                    claim,
                    progress,
                    "UPDATE deployments SET "
                        + "abort_state = CASE WHEN cancel_requested THEN 'cancelled' ELSE $3 END, "
                        + "abort_reason = CASE WHEN cancel_requested AND $3 <> 'cancelled' "
                        + "THEN 'cancelled on request (while failing: ' || $4 || ')' ELSE $4 END, "
                        + "revert_checkpoint = 0, step_started_at = now(), progress = $5, promote = NULL, paused = false, "
                        + "updated_at = now()"
                        + FENCED
                        + " AND abort_state IS NULL",
                    Tuple.of(
                        claim.deploymentId(),
                        claim.epoch(),
                        outcome.wire(),
                        reason,
                        DeployJson.json(progress))));
  }

  public Future<Void> advanceRevert(Claim claim, int done, Doc progress) {
    return stepEvent(
        claim,
        progress,
        "UPDATE deployments SET revert_checkpoint = $3, step_started_at = now(), "
            + "progress = $4, updated_at = now()"
            + FENCED
            + " AND revert_checkpoint = $5",
        Tuple.of(claim.deploymentId(), claim.epoch(), done + 1, DeployJson.json(progress), done));
  }

  /**
   * The deployment reached the approval gate at step {@code step}: its progress, and
   * deploy.approval_requested once per gate (a later call for the same gate writes nothing).
   */
  public Future<Void> approvalRequested(Claim claim, int step, Doc progress) {
    return pool.withTransaction(
        conn ->
            conn.preparedQuery(
                    "UPDATE deployments SET approval_requested_step = $3, progress = $4, "
                        + "updated_at = now()"
                        + FENCED
                        + " AND approval_requested_step IS DISTINCT FROM $3")
                .execute(
                    Tuple.of(claim.deploymentId(), claim.epoch(), step, DeployJson.json(progress)))
                .compose(
                    rs ->
                        rs.rowCount() == 0
                            ? Future.succeededFuture()
                            : Outbox.record(
                                    conn, Event.APPROVAL_REQUESTED, claim.deploymentId(), progress)
                                .mapEmpty()));
  }

  /**
   * Progress between step boundaries (no event: deploy.progressed marks the boundaries), coalesced
   * with other deployments' progress in one fenced statement ({@link ProgressWrites}).
   */
  public Future<Void> progress(Claim claim, Doc progress) {
    return progressWrites.write(claim, progress);
  }

  /**
   * A promote accepted an inconclusive background analysis: it measures no more for the rest of
   * this deployment.
   */
  public Future<Void> acceptBackground(Claim claim) {
    return pool.preparedQuery(
            "UPDATE deployments SET background_accepted = true, updated_at = now()" + FENCED)
        .execute(Tuple.of(claim.deploymentId(), claim.epoch()))
        .compose(rs -> Fenced.one(rs, claim));
  }

  /** A fenced update and its deploy.progressed event, in one transaction. */
  private Future<Void> stepEvent(Claim claim, Doc progress, String sql, Tuple args) {
    return pool.withTransaction(
        conn ->
            conn.preparedQuery(sql)
                .execute(args)
                .compose(rs -> Fenced.one(rs, claim))
                .compose(v -> Outbox.record(conn, Event.PROGRESSED, claim.deploymentId(), progress))
                .mapEmpty());
  }
}
