package org.grad4j.transformer.analysis;

import java.util.Set;
import org.objectweb.asm.tree.MethodInsnNode;

/**
 * Calls of the logging APIs applications use: {@code java.util.logging}, {@code System.Logger},
 * SLF4J (with its fluent {@code atDebug()} builder), Log4j 2 (with {@code LogBuilder}), Commons
 * Logging and JBoss Logging. A loss that logs itself ({@code log.debug("loss {}", loss)}) gives
 * them boxed differentiable values, an {@code Object[]} of them, or the arrays it works on; a
 * logger only turns what it is given into text (or drops it), never hands a number back, so the
 * call runs as written and its arguments are data from then on, as {@code printf}'s are. Their
 * bodies are not differentiated: an SLF4J {@code Logger} is an interface whose implementation is
 * only known at run time, and its code (appenders, formatters, locks) carries no derivative.
 */
public final class LoggingCalls {
    private LoggingCalls() {}

    /** The loggers and their builders, as internal names. */
    private static final Set<String> LOGGERS = Set.of(
            "org/slf4j/Logger", "org/slf4j/spi/LoggingEventBuilder", "org/slf4j/ext/XLogger",
            "org/apache/logging/log4j/Logger", "org/apache/logging/log4j/LogBuilder",
            "org/apache/logging/log4j/spi/ExtendedLogger", "org/apache/logging/log4j/spi/AbstractLogger",
            "org/apache/commons/logging/Log",
            "org/jboss/logging/Logger", "org/jboss/logging/BasicLogger");

    /** Whether {@code call} is a call of a logger or of a log-event builder. */
    public static boolean isLogging(MethodInsnNode call) {
        return isLogger(call.owner);
    }

    /** Whether the internal name is one of the loggers or builders: also the type of a builder a call returns. */
    static boolean isLogger(String internalName) {
        return LOGGERS.contains(internalName) || internalName.startsWith("java/util/logging/")
                || internalName.equals("java/lang/System$Logger");
    }
}
