package org.grad4j.agent;

import java.io.IOException;
import java.lang.instrument.Instrumentation;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.grad4j.GradientException;
import org.grad4j.transformer.GeneratedCode;
import org.grad4j.transformer.GeneratedCode.GeneratedClass;
import org.objectweb.asm.ClassReader;

/**
 * Defines the classes generated for one method beside their host and returns the entry.
 *
 * <p>They are normal classes, defined with {@code privateLookupIn(host).defineClass} in the
 * host's package and loader, not hidden classes: a hidden class's frames vanish from exception
 * stack traces, and users debugging an exception inside a differentiable method need their own
 * line numbers there. Private members of the host are reached through the runtime's
 * {@code Linker} bootstraps instead.
 */
final class ClassDefiner {
    private final Path dumpDirectory;
    private final Instrumentation instrumentation;
    private final Log log;

    /**
     * @param dumpDirectory where to write every generated class file, or null
     * @param instrumentation used to open a named module's package to the agent; may be null
     */
    ClassDefiner(Path dumpDirectory, Instrumentation instrumentation, Log log) {
        this.dumpDirectory = dumpDirectory;
        this.instrumentation = instrumentation;
        this.log = log;
    }

    /** Defines {@code code}'s classes (dumping them first, when asked) and returns the entry's handle. */
    MethodHandle define(Class<?> host, GeneratedCode code, String method) {
        List<GeneratedClass> classes = code.classes();
        if (dumpDirectory != null) dump(classes);
        try {
            MethodHandles.Lookup lookup = lookupIn(host);
            Map<String, Class<?>> defined = new HashMap<>();
            for (GeneratedClass c : supertypesFirst(host, classes, method)) {
                defined.put(c.internalName(), lookup.defineClass(c.bytes()));
            }
            // Verify, link and initialise now, at the shallow depth of this call: a
            // StackOverflowError in a static initialiser deep in a gradient's recursion would
            // poison the class for the JVM's life, and a VerifyError is clearer here, with the
            // method named, than at the first execution.
            for (Class<?> c : defined.values()) {
                MethodHandles.privateLookupIn(c, MethodHandles.lookup()).ensureInitialized(c);
            }
            Class<?> entryClass = defined.get(code.entryOwner());
            if (entryClass == null) {
                entryClass = Class.forName(code.entryOwner().replace('/', '.'), false, host.getClassLoader());
            }
            MethodType type = MethodType.fromMethodDescriptorString(code.entryDescriptor(), host.getClassLoader());
            return MethodHandles.privateLookupIn(entryClass, MethodHandles.lookup())
                    .findStatic(entryClass, code.entryName(), type);
        } catch (ReflectiveOperationException | LinkageError | IllegalArgumentException | TypeNotPresentException e) {
            throw new GradientException("grad4j internal error: the code generated for " + method
                    + " could not be loaded: " + e
                    + (dumpDirectory == null
                            ? ". Run with -D" + AgentOptions.DUMP_PROPERTY + "=DIR to write the generated classes for inspection."
                            : ". The generated classes are in " + dumpDirectory + "."), e);
        }
    }

    /**
     * A lookup with full access to {@code host}, for defining classes in its package. When the
     * host lives in a named module that does not open its package to the agent, the agent opens
     * it (and lets it read the grad4j runtime the generated code uses) via
     * {@link Instrumentation#redefineModule}.
     */
    private MethodHandles.Lookup lookupIn(Class<?> host) throws IllegalAccessException {
        Module target = host.getModule();
        Module self = ClassDefiner.class.getModule();
        String pkg = host.getPackageName();
        if (instrumentation != null && target.isNamed() && instrumentation.isModifiableModule(target)) {
            Set<Module> reads = Set.of();
            try {
                Module runtime = Class.forName("org.grad4j.runtime.Ctx", false, host.getClassLoader()).getModule();
                if (!target.canRead(runtime)) reads = Set.of(runtime);
            } catch (ClassNotFoundException | LinkageError ignored) {
                // the generated code will fail to link, with its own error
            }
            Map<String, Set<Module>> opens = target.isOpen(pkg, self) ? Map.of() : Map.of(pkg, Set.of(self));
            if (!reads.isEmpty() || !opens.isEmpty()) {
                instrumentation.redefineModule(target, reads, Map.of(), opens, Set.of(), Map.of());
            }
        }
        return MethodHandles.privateLookupIn(host, MethodHandles.lookup());
    }

    /**
     * {@code classes} ordered so that a generated superclass or interface is defined before the
     * classes that extend it ({@code defineClass} resolves supertypes at once, and the loader
     * cannot find a generated class that is not defined yet). Also checks each class's name
     * against its bytes and the host's package.
     */
    static List<GeneratedClass> supertypesFirst(Class<?> host, List<GeneratedClass> classes, String method) {
        String pkg = host.getPackageName().replace('.', '/');
        Map<String, GeneratedClass> byName = new LinkedHashMap<>();
        Map<String, List<String>> supertypes = new HashMap<>();
        for (GeneratedClass c : classes) {
            String name = c.internalName();
            int slash = name.lastIndexOf('/');
            String classPkg = slash < 0 ? "" : name.substring(0, slash);
            if (!classPkg.equals(pkg)) {
                throw internal(method, "generated class " + name + " is not in the package of its host "
                        + host.getName() + " ('" + pkg + "')");
            }
            ClassReader reader;
            try {
                reader = new ClassReader(c.bytes());
            } catch (RuntimeException e) {
                throw new GradientException("grad4j internal error: generated class " + name + " for " + method
                        + " is not a readable class file: " + e, e);
            }
            if (!reader.getClassName().equals(name)) {
                throw internal(method, "generated class " + name + " names itself " + reader.getClassName());
            }
            if (byName.put(name, c) != null) {
                throw internal(method, "class " + name + " was generated twice");
            }
            List<String> supers = new ArrayList<>(List.of(reader.getInterfaces()));
            if (reader.getSuperName() != null) supers.add(reader.getSuperName());
            supertypes.put(name, supers);
        }
        List<GeneratedClass> ordered = new ArrayList<>(classes.size());
        Map<String, Boolean> state = new HashMap<>(); // false: visiting, true: done
        for (String name : byName.keySet()) visit(name, byName, supertypes, state, ordered, method);
        return ordered;
    }

    private static void visit(String name, Map<String, GeneratedClass> byName, Map<String, List<String>> supertypes,
                              Map<String, Boolean> state, List<GeneratedClass> ordered, String method) {
        Boolean s = state.get(name);
        if (Boolean.TRUE.equals(s)) return;
        if (Boolean.FALSE.equals(s)) throw internal(method, "generated classes have a cyclic supertype chain at " + name);
        state.put(name, Boolean.FALSE);
        for (String sup : supertypes.get(name)) {
            if (byName.containsKey(sup)) visit(sup, byName, supertypes, state, ordered, method);
        }
        state.put(name, Boolean.TRUE);
        ordered.add(byName.get(name));
    }

    private static GradientException internal(String method, String what) {
        return new GradientException("grad4j internal error while generating " + method + ": " + what);
    }

    /** Writes {@code DIR/a/b/C.class} for each class; a failure is reported, never thrown. */
    private void dump(List<GeneratedClass> classes) {
        for (GeneratedClass c : classes) {
            Path file = dumpDirectory.resolve(c.internalName() + ".class");
            try {
                Files.createDirectories(file.getParent());
                Files.write(file, c.bytes());
                log.info("dumped " + file);
            } catch (IOException | RuntimeException e) {
                log.warn("could not dump " + c.internalName() + " to " + file + ": " + e);
            }
        }
    }
}
