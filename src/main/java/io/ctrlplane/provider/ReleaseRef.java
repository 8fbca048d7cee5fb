package io.ctrlplane.provider;

/** A release as a provider needs it: what to run. */
public record ReleaseRef(String id, int version, String image) {}
