package org.grad4j.agent;

import java.lang.instrument.Instrumentation;
import org.grad4j.GradientException;
import org.grad4j.runtime.Bridge;
import org.grad4j.transformer.Transformer;

/**
 * grad4j's Java agent: {@code -javaagent:grad4j-agent.jar[=dump=DIR,verbose]}, or
 * {@link #install()} at run time.
 *
 * <p>It never changes a class. At start-up it registers a transformer that records the bytes of
 * classes mentioning {@code @Differentiable} ({@link RecordingTransformer}) and installs
 * {@link GeneratedEntries} in {@link Bridge}; code is generated lazily, when the first gradient
 * of a method is asked for, and defined beside the method's class.
 *
 * <p>Public methods expose JDK types only: Byte Buddy is relocated inside the agent jar.
 */
public final class Grad4jAgent {
    private static final Object LOCK = new Object();
    private static volatile Instrumentation instrumentation; // set once started

    private Grad4jAgent() {}

    /** Entry point for {@code -javaagent:}. Never throws: a failure is reported and the application runs on. */
    public static void premain(String agentArgs, Instrumentation inst) {
        startReporting(agentArgs, inst);
    }

    /** Entry point for attaching to a running JVM. */
    public static void agentmain(String agentArgs, Instrumentation inst) {
        startReporting(agentArgs, inst);
    }

    /**
     * Starts the agent in this JVM if it is not running yet, attaching to the JVM itself
     * (grad4j-agent.jar on the class path suffices). Idempotent and thread-safe. Options come
     * from the system properties {@code grad4j.dump} and {@code grad4j.verbose}.
     *
     * <p>Classes loaded before this call were not recorded; their bytes are read from their
     * loaders' resources or by retransformation when needed.
     *
     * @throws GradientException when the JVM does not allow attaching to itself
     */
    public static void install() {
        if (instrumentation != null) return;
        synchronized (LOCK) {
            if (instrumentation != null) return;
            if (Bridge.installed()) return; // another copy of the agent (another loader) runs already
            Instrumentation inst;
            try {
                inst = SelfAttach.instrumentation();
            } catch (RuntimeException | LinkageError e) {
                throw new GradientException("grad4j: could not attach the agent to this JVM (" + e
                        + "). Start the JVM with -javaagent:path/to/grad4j-agent.jar instead.", e);
            }
            start(null, inst);
        }
    }

    private static void startReporting(String agentArgs, Instrumentation inst) {
        try {
            start(agentArgs, inst);
        } catch (Throwable t) {
            // A throwing premain aborts the JVM; without the agent, AD says what is missing.
            System.err.println("grad4j: the agent failed to start, gradients are unavailable: " + t);
        }
    }

    static void start(String agentArgs, Instrumentation inst) {
        synchronized (LOCK) {
            if (instrumentation != null) return; // -javaagent given twice, or install() after premain
            AgentOptions options = AgentOptions.parse(agentArgs, System.getProperties());
            Log log = new Log(options.verbose());
            options.warnings().forEach(log::warn);

            RecordedClasses recorded = new RecordedClasses();
            RecordingTransformer recorder = new RecordingTransformer(recorded);
            boolean retransform = inst.isRetransformClassesSupported();
            inst.addTransformer(recorder, retransform);

            GeneratedEntries.CodeGenerator generator = (host, owner, name, descriptor) -> new Transformer(
                    new HostClassFileLocator(host.getClassLoader(), recorded,
                            retransform ? type -> recorder.capture(inst, type) : null))
                    .generate(owner, name, descriptor);
            Bridge.install(new GeneratedEntries(generator, new ClassDefiner(options.dumpDirectory(), inst, log), log));
            instrumentation = inst;
            log.info("agent started (" + options + ", retransformation " + (retransform ? "on" : "off") + ")");
        }
    }

    /** The instrumentation the agent runs with, or null before it starts. */
    static Instrumentation instrumentation() {
        return instrumentation;
    }

    /** Keeps Byte Buddy off the {@code premain} path: loaded only when {@link #install()} attaches. */
    private static final class SelfAttach {
        static Instrumentation instrumentation() {
            return net.bytebuddy.agent.ByteBuddyAgent.install();
        }
    }
}
