package io.ctrlplane.provider.kubernetes;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The Gateway API HTTPRoute, read and written as a generic resource (no Gateway API model classes
 * needed, and no discovery: its definition is known). Ctrl Plane owns only the {@code backendRefs}
 * of its rules: the parentRefs (which Gateway), hostnames and matches are the operator's.
 */
final class Routes {
  static final ResourceDefinitionContext DEFINITION =
      new ResourceDefinitionContext.Builder()
          .withGroup("gateway.networking.k8s.io")
          .withVersion("v1")
          .withKind("HTTPRoute")
          .withPlural("httproutes")
          .withNamespaced(true)
          .build();

  private Routes() {}

  /** A route with one rule sending to {@code refs}: created only when the operator made none. */
  static GenericKubernetesResource route(
      KubeObjects.Target t, List<Map<String, Object>> refs, String weights) {
    Map<String, Object> rule = new LinkedHashMap<>();
    rule.put("backendRefs", refs);
    Map<String, Object> spec = new LinkedHashMap<>();
    spec.put("rules", List.of(rule));
    GenericKubernetesResource route =
        new GenericKubernetesResourceBuilder()
            .withApiVersion("gateway.networking.k8s.io/v1")
            .withKind("HTTPRoute")
            .withNewMetadata()
            .withName(t.config().httpRoute())
            .withNamespace(t.namespace())
            .withLabels(KubeObjects.instanceLabels(t))
            .addToAnnotations(KubeObjects.WEIGHTS, weights)
            .endMetadata()
            .build();
    route.setAdditionalProperty("spec", spec);
    return route;
  }

  /** Sets every rule's backendRefs; false when they already are. */
  @SuppressWarnings("unchecked")
  static boolean setBackendRefs(
      GenericKubernetesResource route, List<Map<String, Object>> refs, String weights) {
    Map<String, Object> spec =
        (Map<String, Object>)
            route.getAdditionalProperties().computeIfAbsent("spec", k -> new LinkedHashMap<>());
    List<Map<String, Object>> rules =
        (List<Map<String, Object>>) spec.computeIfAbsent("rules", k -> new ArrayList<>());
    if (rules.isEmpty()) {
      rules.add(new LinkedHashMap<>());
    }
    boolean changed = !weights.equals(KubeObjects.annotation(route, KubeObjects.WEIGHTS));
    for (Map<String, Object> rule : rules) {
      if (!Objects.equals(rule.get("backendRefs"), refs)) {
        rule.put("backendRefs", refs);
        changed = true;
      }
    }
    if (changed) {
      KubeObjects.annotate(route, KubeObjects.WEIGHTS, weights);
    }
    return changed;
  }

  /** The first rule's backendRefs as (Service name, weight). */
  @SuppressWarnings("unchecked")
  static Map<String, Integer> weightsByService(GenericKubernetesResource route) {
    Map<String, Integer> out = new LinkedHashMap<>();
    Object spec = route.getAdditionalProperties().get("spec");
    if (!(spec instanceof Map<?, ?> s)
        || !(s.get("rules") instanceof List<?> rules)
        || rules.isEmpty()) {
      return out;
    }
    Object refs = ((Map<String, Object>) rules.get(0)).get("backendRefs");
    if (refs instanceof List<?> list) {
      for (Object r : list) {
        Map<String, Object> ref = (Map<String, Object>) r;
        Object w = ref.get("weight");
        out.put(String.valueOf(ref.get("name")), w == null ? 1 : ((Number) w).intValue());
      }
    }
    return out;
  }
}
