package org.grad4j;

import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * A map from objects, compared by identity, that does not keep its keys alive: an entry goes
 * once its key is collected. For per-parameter state ({@link Optimizer}): a parameter is keyed by
 * the object itself, never by {@code equals} ({@code INDArray}'s compares numbers, which change
 * every step), and a parameter the model no longer holds takes its state with it.
 */
final class WeakIdentityMap<V> {
    private final Map<Key, V> entries = new HashMap<>();
    private final ReferenceQueue<Object> collected = new ReferenceQueue<>();

    private static final class Key extends WeakReference<Object> {
        private final int hash;

        Key(Object referent, ReferenceQueue<Object> queue) {
            super(referent, queue);
            hash = System.identityHashCode(referent);
        }

        @Override
        public int hashCode() {
            return hash;
        }

        @Override
        public boolean equals(Object o) {
            if (this == o) return true; // a cleared key still finds itself, for removal
            Object referent = get();
            return referent != null && o instanceof Key k && k.get() == referent;
        }
    }

    /** The value for {@code key}, made by {@code fresh} the first time. */
    V computeIfAbsent(Object key, Supplier<V> fresh) {
        expunge();
        V value = entries.get(new Key(key, null));
        if (value == null) {
            value = fresh.get();
            entries.put(new Key(key, collected), value);
        }
        return value;
    }

    /** How many keys are still alive (entries of collected keys are dropped first). */
    int size() {
        expunge();
        return entries.size();
    }

    private void expunge() {
        for (Object k; (k = collected.poll()) != null; ) entries.remove(k);
    }
}
