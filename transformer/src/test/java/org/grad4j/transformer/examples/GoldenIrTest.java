package org.grad4j.transformer.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.grad4j.rules.RuleTable;
import org.grad4j.transformer.ClassFileLocator;
import org.grad4j.transformer.analysis.Activity;
import org.grad4j.transformer.analysis.CallResolver;
import org.grad4j.transformer.analysis.Callee;
import org.grad4j.transformer.analysis.Cfg;
import org.grad4j.transformer.ir.IrPrinter;
import org.grad4j.transformer.ir.MethodIr;
import org.grad4j.transformer.lift.Lifter;
import org.grad4j.transformer.read.ClassHierarchy;
import org.grad4j.transformer.split.Split;
import org.grad4j.transformer.split.Splitter;
import org.grad4j.transformer.Refusal;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.objectweb.asm.tree.ClassNode;

/**
 * Pins the lifted IR (with activity marks) and the split of DESIGN §4's worked example and its
 * kin. Run with {@code -Dgolden.update=true} to rewrite the files after an intended change.
 */
class GoldenIrTest {

    @ParameterizedTest
    @ValueSource(strings = {"poly", "callsHelper", "ternary"})
    void irAndSplitMatchTheGoldenFile(String method) throws IOException {
        ClassFileLocator locator = ClassFileLocator.of(Scalars.class.getClassLoader());
        CallResolver calls = new CallResolver(RuleTable.global(), locator);
        ClassNode owner = calls.classNode("org/grad4j/transformer/examples/Scalars");
        var node = owner.methods.stream().filter(m -> m.name.equals(method)).findFirst().orElseThrow();
        Refusal refusal = new Refusal(owner.name, method, owner.sourceFile);
        MethodIr ir = Lifter.lift(owner, node, new ClassHierarchy(locator), c -> calls.resolve(c) instanceof Callee.Differentiated);
        Cfg cfg = new Cfg(ir, refusal);
        boolean[] all = new boolean[org.objectweb.asm.Type.getArgumentTypes(node.desc).length];
        java.util.Arrays.fill(all, true);
        Activity activity = new Activity(ir, cfg, all, calls, refusal);
        Split split = Splitter.split(ir, cfg, activity, Splitter.MAX_TAPED_STATEMENTS, org.grad4j.transformer.analysis.ReadOnlyArrays.NONE);
        StringBuilder text = new StringBuilder(IrPrinter.print(ir, activity::isActive));
        split.regions().forEach(r -> text.append(r.stub() ? "stub" : "function").append(" b").append(r.head())
                .append(": ").append(r.blocks()).append('\n'));
        String actual = text.toString();
        String file = "golden/" + method + ".ir";
        if (Boolean.getBoolean("golden.update")) {
            Path p = Path.of("src/test/resources", file);
            Files.writeString(p, actual);
        }
        try (InputStream in = getClass().getClassLoader().getResourceAsStream(file)) {
            String expected = in == null ? "(missing golden file " + file + ")" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(expected, actual);
        }
    }
}
