package io.ctrlplane.testing;

import io.ctrlplane.config.AppConfig;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import java.util.Set;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.platform.commons.support.AnnotationSupport;

/** The extension behind {@link CtrlPlaneServer}: one {@link CtrlPlane} per test class. */
public final class CtrlPlaneExtension
    implements BeforeAllCallback, AfterAllCallback, ParameterResolver {
  private static final ExtensionContext.Namespace NS =
      ExtensionContext.Namespace.create(CtrlPlaneExtension.class);
  private static final Set<Class<?>> INJECTED =
      Set.of(CtrlPlane.class, ApiClient.class, Sql.class, AppConfig.class);

  @Override
  public void beforeAll(ExtensionContext context) {
    Class<?> testClass = context.getRequiredTestClass();
    CtrlPlaneServer spec =
        AnnotationSupport.findAnnotation(testClass, CtrlPlaneServer.class)
            .orElseThrow(() -> new IllegalStateException(testClass + " lacks @CtrlPlaneServer"));
    // without roles to start, the settings keep the defaults: a special setup derives from them
    JsonObject json = TestStack.get().jsonFor(testClass);
    if (!spec.roles().isEmpty()) {
      json.put("roles", spec.roles());
    }
    // a consumer group of its own too, as the topic: no class reads another's webhook offsets
    json.put(
        "webhooks",
        new JsonObject().put("group_id", json.getJsonObject("kafka").getString("topic")));
    if (!spec.agent().isEmpty()) {
      json.put("agent", Agents.config(spec.agent(), "127.0.0.1"));
    }
    for (String setting : spec.config()) {
      override(json, setting);
    }
    CtrlPlane plane = new CtrlPlane(json);
    context.getStore(NS).put(CtrlPlane.class, plane);
    try {
      plane.start(spec.roles());
    } catch (RuntimeException | Error e) {
      plane.close();
      throw e;
    }
  }

  @Override
  public void afterAll(ExtensionContext context) {
    CtrlPlane plane = context.getStore(NS).remove(CtrlPlane.class, CtrlPlane.class);
    if (plane != null) {
      plane.close();
    }
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return INJECTED.contains(parameter.getParameter().getType());
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    CtrlPlane plane = context.getStore(NS).get(CtrlPlane.class, CtrlPlane.class);
    if (plane == null) {
      throw new ParameterResolutionException("no Ctrl Plane started for " + context.getUniqueId());
    }
    Class<?> type = parameter.getParameter().getType();
    if (type == ApiClient.class) {
      return plane.api();
    }
    if (type == Sql.class) {
      return plane.sql();
    }
    if (type == AppConfig.class) {
      return plane.config();
    }
    return plane;
  }

  /** Applies {@code dotted.key=value} to {@code json}, creating sections as needed. */
  static void override(JsonObject json, String setting) {
    int eq = setting.indexOf('=');
    if (eq < 0) {
      throw new IllegalArgumentException("config override without '=': " + setting);
    }
    String[] path = setting.substring(0, eq).trim().split("\\.");
    String raw = setting.substring(eq + 1).trim();
    JsonObject section = json;
    for (int i = 0; i < path.length - 1; i++) {
      JsonObject next = section.getJsonObject(path[i]);
      if (next == null) {
        next = new JsonObject();
        section.put(path[i], next);
      }
      section = next;
    }
    section.put(path[path.length - 1], parse(raw));
  }

  private static Object parse(String raw) {
    try {
      return Json.decodeValue(raw);
    } catch (DecodeException e) {
      return raw;
    }
  }
}
