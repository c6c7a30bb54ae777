package org.grad4j.transformer;

import java.util.List;

/**
 * The classes generated for one differentiable method, to be defined in the host's package
 * and loader, and the static entry method among them (see {@code org.grad4j.runtime.Bridge}
 * for its contract).
 */
public record GeneratedCode(List<GeneratedClass> classes, String entryOwner, String entryName, String entryDescriptor) {

    /** One class file: internal name and bytes. */
    public record GeneratedClass(String internalName, byte[] bytes) {}
}
