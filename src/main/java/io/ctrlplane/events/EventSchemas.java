package io.ctrlplane.events;

import io.vertx.core.json.JsonObject;
import io.vertx.json.schema.Draft;
import io.vertx.json.schema.JsonSchema;
import io.vertx.json.schema.JsonSchemaOptions;
import io.vertx.json.schema.OutputFormat;
import io.vertx.json.schema.OutputUnit;
import io.vertx.json.schema.SchemaRepository;
import io.vertx.json.schema.Validator;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The event contract as code: the JSON Schemas under {@code events/schemas} (draft 2020-12), one
 * per event type plus the common envelope they refer to. Reads the classpath, so build it once, off
 * the event loop (tests, startup).
 */
public final class EventSchemas {
  public static final String BASE_URI = "https://ctrlplane.io/schemas/events/";
  static final String RESOURCE_DIR = "events/schemas/";
  static final String COMMON = "deploy.common.json";

  private final Map<String, Validator> byType = new HashMap<>();

  private EventSchemas() {}

  public static EventSchemas load() {
    JsonSchemaOptions options =
        new JsonSchemaOptions()
            .setDraft(Draft.DRAFT202012)
            .setBaseUri(BASE_URI)
            .setOutputFormat(OutputFormat.Basic);
    SchemaRepository repository = SchemaRepository.create(options);
    repository.dereference(BASE_URI + COMMON, JsonSchema.of(read(COMMON)));
    EventSchemas schemas = new EventSchemas();
    for (String type : DeployEvent.TYPES) {
      String file = type + ".json";
      repository.dereference(BASE_URI + file, JsonSchema.of(read(file)));
      schemas.byType.put(type, repository.validator(BASE_URI + file));
    }
    return schemas;
  }

  /** The raw schema document of one file, e.g. {@code deploy.failed.json}. */
  public static JsonObject read(String file) {
    try (InputStream in =
        EventSchemas.class.getClassLoader().getResourceAsStream(RESOURCE_DIR + file)) {
      if (in == null) {
        throw new IllegalStateException(
            "event schema " + RESOURCE_DIR + file + " is not on the classpath");
      }
      return new JsonObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Every way {@code event} breaks the schema of its type; empty when it is valid. */
  public List<String> errors(JsonObject event) {
    String type = event.getString("type");
    Validator validator = type == null ? null : byType.get(type);
    if (validator == null) {
      return List.of("type: '" + type + "' is not one of " + DeployEvent.TYPES);
    }
    OutputUnit result = validator.validate(event);
    List<String> errors = new ArrayList<>();
    if (!Boolean.TRUE.equals(result.getValid())) {
      collect(result, errors);
      if (errors.isEmpty()) {
        errors.add("invalid against " + type + ".json");
      }
    }
    return errors;
  }

  private static void collect(OutputUnit unit, List<String> into) {
    if (unit.getError() != null) {
      into.add(
          unit.getInstanceLocation()
              + ": "
              + unit.getError()
              + " ("
              + unit.getKeywordLocation()
              + ")");
    }
    if (unit.getErrors() != null) {
      unit.getErrors().forEach(child -> collect(child, into));
    }
  }
}
