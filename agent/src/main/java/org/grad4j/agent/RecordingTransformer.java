package org.grad4j.agent;

import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.Instrumentation;
import java.lang.instrument.UnmodifiableClassException;
import java.security.ProtectionDomain;

/**
 * The agent's only hook into class loading. It never changes a class ({@link #transform}
 * always returns null); it keeps a copy of the bytes of classes that mention
 * {@code @Differentiable}, and hands back the bytes of one class on request through a
 * retransformation ({@link #capture}).
 *
 * <p>A plain {@link ClassFileTransformer}, not Byte Buddy's {@code AgentBuilder}: the agent
 * changes nothing, so all it needs per class is a byte scan. {@code AgentBuilder} would build a
 * type description of every loaded class to run its matchers (a parse, on the start-up path of
 * the whole application), and its transformations speak Byte Buddy's private ASM copy, which
 * the transformer (real ASM) cannot use. Byte Buddy serves only to attach at run time
 * ({@link Grad4jAgent#install()}).
 */
final class RecordingTransformer implements ClassFileTransformer {
    private final RecordedClasses recorded;

    /** The class this thread is retransforming to read its bytes, and what came back. */
    private static final class Capture {
        final Class<?> target;
        byte[] bytes;

        Capture(Class<?> target) {
            this.target = target;
        }
    }

    private final ThreadLocal<Capture> capture = new ThreadLocal<>();

    RecordingTransformer(RecordedClasses recorded) {
        this.recorded = recorded;
    }

    @Override
    public byte[] transform(ClassLoader loader, String className, Class<?> classBeingRedefined,
                            ProtectionDomain protectionDomain, byte[] classfileBuffer) {
        try {
            if (classBeingRedefined != null) {
                Capture c = capture.get();
                if (c != null && c.target == classBeingRedefined) {
                    c.bytes = classfileBuffer.clone();
                }
            }
            if (className != null && DifferentiableScan.mentionsDifferentiable(classfileBuffer)) {
                recorded.put(loader, className, classfileBuffer.clone());
            }
        } catch (Throwable ignored) {
            // Never disturb class loading: a class we cannot record is read later from its
            // loader's resources or a retransformation.
        }
        return null;
    }

    /**
     * The bytes of a loaded class, as the JVM hands them to transformers on retransformation
     * (original bytes, or bytes reconstituted from the loaded class); null when the JVM cannot
     * retransform it. The class itself is left as it was: this transformer returns null.
     */
    byte[] capture(Instrumentation instrumentation, Class<?> type) {
        if (!instrumentation.isRetransformClassesSupported() || !instrumentation.isModifiableClass(type)) {
            return null;
        }
        Capture previous = capture.get();
        Capture mine = new Capture(type);
        capture.set(mine);
        try {
            instrumentation.retransformClasses(type);
            return mine.bytes;
        } catch (UnmodifiableClassException | RuntimeException | LinkageError e) {
            return null;
        } finally {
            if (previous == null) capture.remove(); else capture.set(previous);
        }
    }
}
