package org.grad4j.agent;

import java.util.HashMap;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * Class file bytes seen at load time, keyed by (defining loader, internal name). The loader is
 * held weakly, so recording never keeps an unloaded application's classes alive; a {@code null}
 * loader is the bootstrap loader.
 */
final class RecordedClasses {
    private final Map<ClassLoader, Map<String, byte[]>> byLoader = new WeakHashMap<>(); // guarded by this

    /** Stores {@code bytes} as given: the caller passes a copy it no longer touches. */
    synchronized void put(ClassLoader loader, String internalName, byte[] bytes) {
        byLoader.computeIfAbsent(loader, l -> new HashMap<>()).put(internalName, bytes);
    }

    /** A copy of the bytes recorded for exactly this loader, or null. */
    synchronized byte[] get(ClassLoader loader, String internalName) {
        Map<String, byte[]> classes = byLoader.get(loader);
        byte[] bytes = classes == null ? null : classes.get(internalName);
        return bytes == null ? null : bytes.clone();
    }

    /** Like {@link #get}, for {@code loader} and then its ancestors (where parent-first loading finds classes). */
    byte[] find(ClassLoader loader, String internalName) {
        for (ClassLoader l = loader; ; l = l.getParent()) {
            byte[] bytes = get(l, internalName);
            if (bytes != null || l == null) return bytes;
        }
    }

    synchronized int size() {
        int n = 0;
        for (Map<String, byte[]> classes : byLoader.values()) n += classes.size();
        return n;
    }
}
