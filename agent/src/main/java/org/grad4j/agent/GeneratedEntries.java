package org.grad4j.agent;

import java.lang.invoke.MethodHandle;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiFunction;
import org.grad4j.GradientException;
import org.grad4j.transformer.GeneratedCode;

/**
 * The generator the agent installs in {@link org.grad4j.runtime.Bridge}: (host class,
 * {@code name + descriptor}) → the generated entry's {@link MethodHandle}.
 *
 * <p>Each method is generated once, then served from a cache that lives with the host class
 * ({@link ClassValue}, so it goes away with the host's loader). Concurrent first requests for
 * one method wait for one generation; different methods generate in parallel. A failed
 * generation is not cached: its exception goes to the caller unchanged (a
 * {@link org.grad4j.TransformException} carries the user-facing message), and the next request
 * tries again — a rule registered meanwhile may make it succeed.
 */
final class GeneratedEntries implements BiFunction<Class<?>, String, MethodHandle> {

    /** Produces the classes for one method: the transformer, or a fake in tests. */
    @FunctionalInterface
    interface CodeGenerator {
        GeneratedCode generate(Class<?> host, String ownerInternalName, String methodName, String methodDescriptor);
    }

    private final CodeGenerator generator;
    private final ClassDefiner definer;
    private final Log log;

    private final ClassValue<ConcurrentHashMap<String, Entry>> entries = new ClassValue<>() {
        @Override
        protected ConcurrentHashMap<String, Entry> computeValue(Class<?> type) {
            return new ConcurrentHashMap<>();
        }
    };

    GeneratedEntries(CodeGenerator generator, ClassDefiner definer, Log log) {
        this.generator = generator;
        this.definer = definer;
        this.log = log;
    }

    @Override
    public MethodHandle apply(Class<?> host, String nameAndDescriptor) {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(nameAndDescriptor, "nameAndDescriptor");
        if (nameAndDescriptor.indexOf('(') <= 0) {
            throw new GradientException("grad4j: '" + nameAndDescriptor + "' is not a method name followed by a "
                    + "JVM descriptor, e.g. loss([D)D");
        }
        String key = org.grad4j.transformer.Transformer.canonicalKey(nameAndDescriptor);
        // computeIfAbsent only creates the slot; generation runs outside the map's bin lock.
        return entries.get(host).computeIfAbsent(key, k -> new Entry()).get(host, key);
    }

    /** One method's slot: its handle once generated. */
    private final class Entry {
        private volatile MethodHandle handle;
        private boolean generating; // guarded by this

        MethodHandle get(Class<?> host, String nameAndDescriptor) {
            MethodHandle h = handle;
            if (h != null) return h;
            synchronized (this) {
                if (handle == null) {
                    if (generating) {
                        throw new GradientException("grad4j internal error: generating " + describe(host, nameAndDescriptor)
                                + " asked for its own entry while it was being generated");
                    }
                    generating = true;
                    try {
                        handle = generate(host, nameAndDescriptor);
                    } finally {
                        generating = false;
                    }
                }
                return handle;
            }
        }
    }

    private MethodHandle generate(Class<?> host, String nameAndDescriptor) {
        int paren = nameAndDescriptor.indexOf('(');
        if (paren <= 0) {
            throw new GradientException("grad4j: '" + nameAndDescriptor + "' is not a method name followed by a "
                    + "JVM descriptor, e.g. loss([D)D");
        }
        String name = nameAndDescriptor.substring(0, paren);
        String descriptor = nameAndDescriptor.substring(paren);
        String method = describe(host, nameAndDescriptor);
        refuseUnsupportedHost(host, method);

        long start = System.nanoTime();
        GeneratedCode code;
        MethodHandle entry;
        try {
            code = generator.generate(host, host.getName().replace('.', '/'), name, descriptor);
            if (code == null) {
                throw new GradientException("grad4j internal error: no code was generated for " + method);
            }
            entry = definer.define(host, code, method);
        } catch (RuntimeException | Error e) {
            log.info("cannot differentiate " + method + ": " + firstLine(e));
            throw e; // unchanged: the AD caller reports it in full
        }
        if (log.verbose()) {
            log.info("generated " + method + ": " + code.classes().size() + " class(es), entry "
                    + code.entryOwner().replace('/', '.') + "." + code.entryName() + ", "
                    + (System.nanoTime() - start) / 1_000_000 + " ms");
        }
        return entry;
    }

    private static void refuseUnsupportedHost(Class<?> host, String method) {
        if (host.isPrimitive() || host.isArray()) {
            throw new GradientException("grad4j: " + method + " is not a method of a class with bytecode");
        }
        if (host.isHidden()) {
            throw new GradientException("grad4j: cannot differentiate " + method + ": " + host.getName()
                    + " is a hidden class (a lambda proxy or similar) whose bytecode cannot be read. "
                    + "Differentiate the lambda's implementation method, or use the serializable function "
                    + "types of org.grad4j.AD so that it can be found.");
        }
        if (host.getClassLoader() == null) {
            throw new GradientException("grad4j: cannot differentiate " + method + ": " + host.getName()
                    + " is loaded by the bootstrap class loader, which cannot see grad4j's runtime classes "
                    + "that the generated code needs. Call it from a method of your own and differentiate that.");
        }
    }

    static String describe(Class<?> host, String nameAndDescriptor) {
        int mask = nameAndDescriptor.indexOf('#'); // the activity mask is for the transformer, not for messages
        return host.getName() + "." + (mask < 0 ? nameAndDescriptor : nameAndDescriptor.substring(0, mask));
    }

    private static String firstLine(Throwable e) {
        String m = e.getMessage();
        if (m == null) return e.getClass().getName();
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
