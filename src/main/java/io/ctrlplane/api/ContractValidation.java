package io.ctrlplane.api;

import io.ctrlplane.deploy.FieldError;
import io.ctrlplane.deploy.ValidationException;
import io.ctrlplane.problem.Problem;
import io.ctrlplane.problem.ProblemException;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.openapi.contract.Operation;
import io.vertx.openapi.contract.Parameter;
import io.vertx.openapi.contract.Path;
import io.vertx.openapi.validation.RequestUtils;
import io.vertx.openapi.validation.SchemaValidationException;
import io.vertx.openapi.validation.ValidatorException;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * Checks every request against the OpenAPI document before a business handler sees it: an
 * undocumented method on a documented path is a 405 (with {@code Allow}), a bad query or header
 * parameter a 400, a body that is not JSON a 415 or 400, and a body that breaks its schema a 422
 * listing every offending field. Paths the document does not know fall through to the router's 404.
 * Domain rules the schema cannot express are checked afterwards by the handlers.
 */
final class ContractValidation implements Handler<RoutingContext> {
  private final ApiContract api;

  /**
   * Bodies up to this size are checked on the event loop (microseconds); bigger ones on a worker.
   */
  private static final int INLINE_BODY_BYTES = 64 * 1024;

  private final RequestChecks checks;
  private final Map<String, Consumer<JsonObject>> domainRules;

  /**
   * @param domainRules by operationId, the domain check of a body (throws {@link
   *     ValidationException}); run as well when the schema refuses a body, so one response lists
   *     every problem
   */
  ContractValidation(ApiContract api, Map<String, Consumer<JsonObject>> domainRules) {
    this.api = api;
    this.checks = new RequestChecks(api.contract());
    this.domainRules = domainRules;
  }

  @Override
  public void handle(RoutingContext ctx) {
    String path = ctx.request().path();
    Operation operation = api.contract().findOperation(path, ctx.request().method());
    if (operation == null) {
      Path documented = api.contract().findPath(path);
      if (documented == null) {
        ctx.next();
      } else {
        notAllowed(ctx, documented);
      }
      return;
    }
    if (operation.getParameters().isEmpty() && operation.getRequestBody() == null) {
      ctx.next();
      return;
    }
    Buffer body;
    try {
      body = operation.getRequestBody() == null ? null : jsonBody(ctx);
    } catch (ProblemException e) {
      ctx.fail(e);
      return;
    }
    RequestUtils.extract(ctx.request(), operation, () -> Future.succeededFuture(body))
        .compose(
            request -> {
              if (body != null
                  && body.length() > INLINE_BODY_BYTES) { // a big body must not hold the event loop
                return ctx.vertx()
                    .executeBlocking(
                        () -> {
                          checks.check(operation, request, body);
                          return request;
                        },
                        false);
              }
              checks.check(operation, request, body);
              return Future.succeededFuture(request);
            })
        .onSuccess(checked -> ctx.next())
        .onFailure(e -> ctx.fail(failure(e, operation, body)));
  }

  /** A validator's refusal as the problem to answer; anything else (a bug) as it is. */
  private Throwable failure(Throwable e, Operation operation, Buffer body) {
    if (!(e instanceof ValidatorException refusal)) {
      return e;
    }
    try {
      return problem(refusal, operation, body);
    } catch (RuntimeException bug) { // still answer, with a 500 that logs both
      bug.addSuppressed(e);
      return bug;
    }
  }

  /**
   * The body as JSON bytes: {} when there is none, so a missing body reports its missing fields.
   */
  private static Buffer jsonBody(RoutingContext ctx) {
    if (ctx.body() == null || ctx.body().length() <= 0) {
      return Buffer.buffer("{}");
    }
    String type = ctx.request().getHeader("content-type");
    String mediaType = type == null ? "" : type.split(";")[0].trim().toLowerCase(Locale.ROOT);
    boolean mergePatch =
        mediaType.equals("application/merge-patch+json")
            && ctx.request().method() == io.vertx.core.http.HttpMethod.PATCH;
    if (!mediaType.equals("application/json") && !mergePatch) {
      throw new ProblemException(
          Problem.of(
              415,
              "Unsupported Media Type",
              "send the body as JSON with Content-Type: application/json"
                  + (type == null ? "" : " (got " + type + ")")));
    }
    try {
      Object parsed = Json.decodeValue(ctx.body().buffer());
      if (parsed instanceof JsonObject) {
        return ctx.body().buffer();
      }
    } catch (DecodeException e) {
      throw new ProblemException(
          Problem.of(
              400, "Malformed JSON", "the request body is not valid JSON" + where(e.getMessage())));
    }
    throw new ProblemException(
        Problem.of(400, "Malformed JSON", "the request body must be a JSON object"));
  }

  private RuntimeException problem(ValidatorException e, Operation operation, Buffer body) {
    if (e instanceof SchemaValidationException s
        && e.getMessage().startsWith("The value of the request body")) {
      Object json = Json.decodeValue(body);
      SchemaKeywords keywords = new SchemaKeywords(api.raw(), bodySchema(operation));
      List<FieldError> errors = new SchemaErrors(keywords, json).fieldErrors(s.getOutputUnit());
      if (errors.isEmpty()) {
        return new ValidationException("(body)", e.getMessage());
      }
      return new ValidationException(merge(errors, domainErrors(operation, json)));
    }
    Parameter parameter =
        operation.getParameters().stream()
            .filter(p -> e.getMessage().contains(" parameter " + p.getName()))
            .findFirst()
            .orElse(null);
    if (parameter == null) {
      return new ProblemException(Problem.of(400, "Bad Request", e.getMessage()));
    }
    String rule = ParameterRules.describe(parameter, e);
    String what = parameter.getIn().name().toLowerCase(Locale.ROOT);
    return new ProblemException(
        new Problem(
            400,
            "Invalid " + what + " parameter",
            parameter.getName() + " " + rule,
            List.of(new FieldError(parameter.getName(), rule))));
  }

  private List<FieldError> domainErrors(Operation operation, Object json) {
    Consumer<JsonObject> rules = domainRules.get(operation.getOperationId());
    if (rules == null || !(json instanceof JsonObject body)) {
      return List.of();
    }
    try {
      rules.accept(body);
      return List.of();
    } catch (ValidationException e) {
      return e.errors();
    }
  }

  /**
   * The schema's errors, each replaced by the domain's for the same field when it has some (they
   * say more, e.g. what was got), then the domain's errors on fields the schema let through.
   */
  static List<FieldError> merge(List<FieldError> schema, List<FieldError> domain) {
    Map<String, List<FieldError>> byField =
        domain.stream()
            .collect(
                Collectors.groupingBy(FieldError::field, LinkedHashMap::new, Collectors.toList()));
    Set<FieldError> out = new LinkedHashSet<>();
    for (FieldError e : schema) {
      out.addAll(byField.getOrDefault(e.field(), List.of(e)));
    }
    out.addAll(domain);
    return List.copyOf(out);
  }

  /**
   * The unresolved schema of the operation's JSON body, where keyword locations of its errors
   * start.
   */
  private Object bodySchema(Operation operation) {
    JsonObject op =
        api.raw()
            .getJsonObject("paths")
            .getJsonObject(operation.getOpenAPIPath())
            .getJsonObject(operation.getHttpMethod().name().toLowerCase(Locale.ROOT));
    return op.getJsonObject("requestBody")
        .getJsonObject("content")
        .getJsonObject("application/json")
        .getValue("schema");
  }

  private static void notAllowed(RoutingContext ctx, Path path) {
    String allow =
        path.getOperations().stream()
            .map(o -> o.getHttpMethod().name())
            .sorted()
            .collect(Collectors.joining(", "));
    ctx.response().putHeader("Allow", allow);
    ctx.fail(
        new ProblemException(
            Problem.of(
                405,
                "Method Not Allowed",
                ctx.request().method()
                    + " is not allowed on "
                    + ctx.request().path()
                    + "; allowed: "
                    + allow)));
  }

  /**
   * Where the parser gave up, e.g. " (line 1, column 25)". Only the position: the parser's own
   * message quotes the offending token, which may be a secret_env value the client mistyped.
   */
  static String where(String parserMessage) {
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("line: (\\d+), column: (\\d+)")
            .matcher(parserMessage == null ? "" : parserMessage);
    String last = "";
    while (m.find()) {
      last = " (line " + m.group(1) + ", column " + m.group(2) + ")";
    }
    return last;
  }
}
