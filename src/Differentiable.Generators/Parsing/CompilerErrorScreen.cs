using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading;
using Differentiable.Generators.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;
using Microsoft.CodeAnalysis.Text;

namespace Differentiable.Generators.Parsing;

/// <summary>
/// Whether the compiler rejects a [Differentiate] method, so that code it rejects (half-typed while editing) gets the
/// compiler's errors only, not ours on top and no companion repeating them.
/// </summary>
/// <remarks>
/// The compiler's own answer (<see cref="SemanticModel.GetDiagnostics"/> over the method) compiles the body a second
/// time, with flow and nullable analysis, on worker threads: a quarter of a cold run. So a screen reads the bound tree
/// the parser needs anyway and answers "no errors" only for methods made of constructs whose every compile error shows
/// in that tree (an invalid operation, an error type, a conversion that does not exist implicitly) or in a cheap check
/// of its own (an assignment to something not assignable, a local declared twice in one scope, an end point a value
/// method can reach, a local declared without a value read before it is certainly assigned). Anything else it cannot
/// vouch for (a switch, a lambda, a <c>ref</c>, an attribute argument in error) goes to the compiler, so the answer is
/// the compiler's wherever the screen is unsure: a valid method it cannot vouch for costs the compiler's check, never
/// its companions. Four review sessions read it for errors it missed; each kind they found is a test. Warnings a project raises to errors do not
/// count, deliberately: the method is valid C#, and its callers need its companions.
/// </remarks>
internal static class CompilerErrorScreen
{
    /// <param name="compilerModel">The host's model, whose diagnostics are the compiler's.</param>
    /// <param name="model">A model of the same tree (the parser's, without nullable analysis) whose bound tree the screen reads.</param>
    public static bool HasErrors(SemanticModel compilerModel, SemanticModel model, IMethodSymbol method, MethodDeclarationSyntax syntax, CancellationToken cancellationToken)
    {
        if (SyntaxErrorTouches(syntax.SyntaxTree, syntax.Span, cancellationToken))
        {
            return true;
        }

        // Two methods of one signature are CS0111 on the second only; the first gets no companion either.
        if (SignatureTaken(method))
        {
            return true;
        }

        // Neither the screen's bound tree nor the compiler's check is safe on such a body (both recurse per statement).
        if (StatementsNestTooDeep(syntax))
        {
            throw new CodeTooComplexException();
        }

        if (VouchesForNoErrors(model, method, syntax, cancellationToken))
        {
            return false;
        }

        foreach (var diagnostic in compilerModel.GetDiagnostics(syntax.Span, cancellationToken))
        {
            if (diagnostic.Severity == DiagnosticSeverity.Error && !RaisedByTheProject(diagnostic, compilerModel.Compilation, syntax.SyntaxTree, cancellationToken))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// A warning the project's options raise to an error (TreatWarningsAsErrors, a severity in the options or in an
    /// .editorconfig), as the screen's own verdict does not count them: some hang on trivia no cached region holds (a
    /// doc comment's &lt;param name&gt; gives CS1573 inside the method), so counting them made a warm driver's answer
    /// differ from a fresh one's (a helper's fuzz of edits). Not one the compiler makes an error itself (a use of an
    /// [Experimental] API is a warning raised to an error by default).
    /// </summary>
    private static bool RaisedByTheProject(Diagnostic diagnostic, Compilation compilation, SyntaxTree tree, CancellationToken cancellationToken)
    {
        if (!diagnostic.IsWarningAsError)
        {
            return false;
        }

        var options = compilation.Options;
        if (options.SpecificDiagnosticOptions.TryGetValue(diagnostic.Id, out var specific))
        {
            return specific == ReportDiagnostic.Error;
        }

        if (options.SyntaxTreeOptionsProvider is { } provider
            && (provider.TryGetDiagnosticValue(tree, diagnostic.Id, cancellationToken, out var report) || provider.TryGetGlobalDiagnosticValue(diagnostic.Id, cancellationToken, out report)))
        {
            return report == ReportDiagnostic.Error;
        }

        return options.GeneralDiagnosticOption == ReportDiagnostic.Error;
    }

    /// <summary>
    /// Whether one of the file's syntax errors touches the span, as the compiler's check counts them: a brace the method
    /// took from its class shows at the end of the file, past the method's own nodes. The parse cache asks it too, of
    /// every region a parse read, in the old tree and the new.
    /// </summary>
    internal static bool SyntaxErrorTouches(SyntaxTree tree, TextSpan span, CancellationToken cancellationToken)
    {
        foreach (var diagnostic in tree.GetDiagnostics(cancellationToken))
        {
            if (diagnostic.Severity == DiagnosticSeverity.Error && diagnostic.Location.SourceSpan.IntersectsWith(span))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// True only when the method cannot hold a compile error; false when it might (the compiler then decides). For a
    /// method whose statements do not nest too deep (<see cref="HasErrors"/> checks that first).
    /// </summary>
    internal static bool VouchesForNoErrors(SemanticModel model, IMethodSymbol method, MethodDeclarationSyntax syntax, CancellationToken cancellationToken)
    {
        // Below C# 11 some constructs the screen accepts (default, target-typed new, >>>, named arguments out of place)
        // are errors the bound tree does not show.
        if (syntax.SyntaxTree.Options is not CSharpParseOptions { LanguageVersion: >= LanguageVersion.CSharp11 }
            || !PlainDeclaration(model, method, syntax, cancellationToken)
            || model.GetOperation(syntax, cancellationToken) is not IMethodBodyOperation body)
        {
            return false;
        }

        var walk = new BodyWalk(model, method);
        foreach (var operation in body.Descendants())
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!walk.Vouches(operation))
            {
                return false;
            }
        }

        return !LocalsClash(walk.Scopes, method) && EndPointUnreachable(method, syntax)
            && (walk.DeclaredWithoutValue.Count == 0 || AssignedBeforeReadWithinStack(body, walk.DeclaredWithoutValue));
    }

    private static bool AssignedBeforeReadWithinStack(IOperation body, HashSet<ILocalSymbol> tracked)
    {
        try
        {
            return AssignedBeforeRead(body, tracked, new HashSet<ILocalSymbol>(SymbolEqualityComparer.Default));
        }
        catch (InsufficientExecutionStackException)
        {
            return false;
        }
    }

    /// <summary>
    /// Statements nested more than <see cref="StackGuard.MaxDepth"/> deep. Roslyn builds a body's operations recursively
    /// (2,000 nested ifs bind, 3,000 overflow the stack and take the compiler down), and its semantic model's nullable
    /// walk recurses per statement too (3,000 nested ifs overflowed a CI test host); so such a method is reported as too
    /// complex before either runs. An else-if chain does not nest: Roslyn builds it in a loop.
    /// </summary>
    private static bool StatementsNestTooDeep(MethodDeclarationSyntax syntax)
    {
        // Each level takes at least two characters ({ }, a label's "a:"): most methods are too short to look at.
        if (syntax.Span.Length <= 2 * StackGuard.MaxDepth)
        {
            return false;
        }

        var pending = new Stack<(SyntaxNode Node, int Depth)>();
        pending.Push((syntax, 0));
        while (pending.Count > 0)
        {
            var (node, depth) = pending.Pop();
            if (depth > StackGuard.MaxDepth)
            {
                return true;
            }

            foreach (var child in node.ChildNodes())
            {
                var nests = child is StatementSyntax && !(child is IfStatementSyntax && node is ElseClauseSyntax);
                pending.Push((child, nests ? depth + 1 : depth));
            }
        }

        return false;
    }

    /// <summary>A static, non-generic method of plain parameters whose declaration the compiler has no second opinion on.</summary>
    private static bool PlainDeclaration(SemanticModel model, IMethodSymbol method, MethodDeclarationSyntax syntax, CancellationToken cancellationToken)
    {
        // static and at most one of public, internal, private, once each: anything else has rules of its own (CS0106,
        // CS0107, CS1004; protected in a static class or a struct, CS1057, CS0666).
        var accessibility = 0;
        foreach (var modifier in syntax.Modifiers)
        {
            if (modifier.IsKind(SyntaxKind.PublicKeyword) || modifier.IsKind(SyntaxKind.InternalKeyword) || modifier.IsKind(SyntaxKind.PrivateKeyword))
            {
                accessibility++;
            }
            else if (!modifier.IsKind(SyntaxKind.StaticKeyword))
            {
                return false;
            }
        }

        // One body (CS8057), no constraints without type parameters (CS0080), a member of a type (CS0116), parameters
        // without modifiers (scoped, this, params, ref: CS9048 and more), and none of the syntax below.
        if (accessibility > 1 || syntax.Modifiers.Count > accessibility + 1 || SignatureTaken(method)
            || (syntax.Body is not null && syntax.ExpressionBody is not null) || syntax.ConstraintClauses.Count > 0
            || syntax.Parent is not TypeDeclarationSyntax || syntax.ParameterList.Parameters.Any(p => p.Modifiers.Count > 0)
            || syntax.DescendantNodes().Any(UnscreenedSyntax))
        {
            return false;
        }

        // A generic containing type may name a type parameter as the method (CS0102), a record reserves names (Clone,
        // Equals, PrintMembers: CS8859 and more); the signature's types must be fit
        // to declare and at least as accessible as the method (CS0721, CS0050, CS0051).
        if (!method.IsStatic || method.IsGenericMethod || syntax.ExplicitInterfaceSpecifier is not null
            || method.Name == method.ContainingType.Name || ContainingTypes(method).Any(t => t.IsGenericType || t.IsRecord)
            || !Fit(method.ReturnType) || !AsAccessible(method.ReturnType, method) || !OnlyDifferentiate(method.GetAttributes())
            || !method.GetReturnTypeAttributes().IsEmpty)
        {
            return false;
        }

        var names = new HashSet<string>();
        foreach (var parameter in method.Parameters)
        {
            if (parameter.RefKind != RefKind.None || parameter.IsParams || parameter.IsThis || parameter.HasExplicitDefaultValue
                || !Fit(parameter.Type) || !AsAccessible(parameter.Type, method) || !names.Add(parameter.Name) || !parameter.GetAttributes().IsEmpty)
            {
                return false;
            }
        }

        // A field or property of the method's name (CS0102).
        if (method.ContainingType.GetMembers(method.Name).Any(member => member is not IMethodSymbol))
        {
            return false;
        }

        // The attribute binds apart from its data: nameof(z) of an unknown z still yields the constant "z", and a named
        // argument of the wrong type or name leaves the others in place.
        foreach (var attribute in syntax.AttributeLists.SelectMany(list => list.Attributes))
        {
            if (!ArgumentsInOrder(attribute)
                || model.GetOperation(attribute, cancellationToken) is not IAttributeOperation { Operation: IObjectCreationOperation } bound
                || bound.Descendants().Any(o => o is IInvalidOperation or IFieldReferenceOperation || !Fit(o.Type) || UsesForbidden(o)
                    || (o is IConversionOperation conversion && !Converts(conversion))
                    || (o is INameOfOperation nameOf && !NameOfAName(nameOf))
                    || (o is IArrayCreationOperation { Initializer: { } elements } array && !Fills(elements, array.DimensionSizes, 0))))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>A conversion that exists, written or implicit as it stands, and folds a constant it converts (CS0266, CS0221).</summary>
    private static bool Converts(IConversionOperation conversion)
    {
        var used = conversion.GetConversion();
        return used.Exists && (!conversion.IsImplicit || used.IsImplicit) && ConstantFolded(conversion, conversion.Operand);
    }

    /// <summary>An array size anywhere but in the first rank of a new array (CS0270, CS0178).</summary>
    private static bool MisplacedSize(ArrayRankSpecifierSyntax rank) =>
        rank.Sizes.Any(size => !size.IsKind(SyntaxKind.OmittedArraySizeExpression))
        && !(rank.Parent is ArrayTypeSyntax type && type.Parent is ArrayCreationExpressionSyntax && type.RankSpecifiers[0] == rank);

    /// <summary>Syntax whose errors the bound tree does not show: ref, scoped, unsafe code, pointers, labels, stackalloc, and array sizes out of place.</summary>
    private static bool UnscreenedSyntax(SyntaxNode node) =>
        node is RefExpressionSyntax or RefTypeSyntax or ScopedTypeSyntax or TupleTypeSyntax or TupleExpressionSyntax or UnsafeStatementSyntax or FixedStatementSyntax or PointerTypeSyntax
            or FunctionPointerTypeSyntax or LabeledStatementSyntax or StackAllocArrayCreationExpressionSyntax
            or ImplicitStackAllocArrayCreationExpressionSyntax
        || (node is ArrayRankSpecifierSyntax rank && MisplacedSize(rank))
        || (node is VariableDeclarationSyntax { Type.IsVar: true, Variables.Count: > 1 })
        || node.IsKind(SyntaxKind.SuppressNullableWarningExpression);

    /// <summary>Positional arguments, then named ones, each name once (CS1016, CS0643).</summary>
    private static bool ArgumentsInOrder(AttributeSyntax attribute)
    {
        var named = new HashSet<string>();
        foreach (var argument in attribute.ArgumentList?.Arguments ?? default)
        {
            if (argument.NameColon is not null || (argument.NameEquals is null && named.Count > 0)
                || (argument.NameEquals is { } name && !named.Add(name.Name.Identifier.ValueText)))
            {
                return false;
            }
        }

        return true;
    }

    private static IEnumerable<INamedTypeSymbol> ContainingTypes(ISymbol symbol)
    {
        for (var type = symbol.ContainingType; type is not null; type = type.ContainingType)
        {
            yield return type;
        }
    }

    /// <summary>
    /// A type the compiler lets a method name where it stands: no error type, no pointer, dynamic, static class or ref
    /// struct, no generic type whose type parameters have constraints (Nullable&lt;object&gt;, CS0453), no type marked
    /// obsolete as an error or experimental, and the same of its elements and type arguments.
    /// </summary>
    private static bool Fit(ITypeSymbol? type) => type switch
    {
        null => true,
        { TypeKind: TypeKind.Error or TypeKind.Pointer or TypeKind.FunctionPointer or TypeKind.Dynamic or TypeKind.TypeParameter } => false,
        IArrayTypeSymbol array => Fit(array.ElementType),
        INamedTypeSymbol named => !named.IsStatic && !named.IsRefLikeType && !named.IsFileLocal && !named.IsTupleType && !Forbidden(named)
            && OwnTypeArgumentsFit(named) && ContainingTypes(named).All(OwnTypeArgumentsFit),
        _ => false,
    };

    /// <summary>Type arguments that are fit, for type parameters without constraints (the tree checks no constraint, CS0453).</summary>
    private static bool OwnTypeArgumentsFit(INamedTypeSymbol named) => !named.TypeParameters.Any(Constrained) && named.TypeArguments.All(Fit);

    private static bool Constrained(ITypeParameterSymbol parameter) =>
        parameter.HasReferenceTypeConstraint || parameter.HasValueTypeConstraint || parameter.HasUnmanagedTypeConstraint
        || parameter.HasNotNullConstraint || parameter.HasConstructorConstraint || parameter.ConstraintTypes.Length > 0;

    /// <summary>
    /// Whether a type is public to the whole chain of its containing types, or internal where the method is internal or
    /// private: the cases where it is certainly as accessible as the method.
    /// </summary>
    private static bool AsAccessible(ITypeSymbol type, IMethodSymbol method)
    {
        var typeAccess = EffectiveAccessibility(type);
        var methodAccess = EffectiveAccessibility(method);
        return typeAccess == Accessibility.Public || (typeAccess == Accessibility.Internal && methodAccess is Accessibility.Internal or Accessibility.Private);
    }

    /// <summary>Public, Internal, Private, or NotApplicable where protected or another mix enters the chain.</summary>
    private static Accessibility EffectiveAccessibility(ISymbol symbol)
    {
        switch (symbol)
        {
            case IArrayTypeSymbol array:
                return EffectiveAccessibility(array.ElementType);
            case INamedTypeSymbol { IsGenericType: true } generic when generic.TypeArguments.Any(a => EffectiveAccessibility(a) != Accessibility.Public):
                return Accessibility.NotApplicable;
        }

        var result = Accessibility.Public;
        for (var current = symbol; current is not null and not INamespaceSymbol; current = current.ContainingSymbol)
        {
            var own = current.DeclaredAccessibility;
            if (own is not (Accessibility.Public or Accessibility.Internal or Accessibility.Private))
            {
                return Accessibility.NotApplicable;
            }

            if (own == Accessibility.Private || (own == Accessibility.Internal && result == Accessibility.Public))
            {
                result = own;
            }
        }

        return result;
    }

    /// <summary>Another method of the same name and parameter types in the same type (CS0111 on whichever comes second).</summary>
    private static bool SignatureTaken(IMethodSymbol method) =>
        method.ContainingType.GetMembers(method.Name).Any(member =>
            member is IMethodSymbol other && !MethodParser.SamePartialMethod(other, method) && SameParameters(other, method));

    private static bool Implicit(CommonConversion conversion) => conversion.Exists && (conversion.IsIdentity || conversion.IsImplicit);

    private static bool SameParameters(IMethodSymbol a, IMethodSymbol b) =>
        a.Parameters.Length == b.Parameters.Length
        && a.Parameters.Zip(b.Parameters, (p, q) => p.RefKind == q.RefKind && SameInSignature(p.Type, q.Type)).All(same => same);

    /// <summary>Types a signature cannot tell apart: dynamic is object there, also inside arrays and type arguments.</summary>
    private static bool SameInSignature(ITypeSymbol a, ITypeSymbol b) => (a, b) switch
    {
        ({ TypeKind: TypeKind.Dynamic }, _) or (_, { TypeKind: TypeKind.Dynamic }) => true,
        (IArrayTypeSymbol x, IArrayTypeSymbol y) => x.Rank == y.Rank && SameInSignature(x.ElementType, y.ElementType),
        (INamedTypeSymbol { IsGenericType: true } x, INamedTypeSymbol { IsGenericType: true } y) =>
            SymbolEqualityComparer.Default.Equals(x.OriginalDefinition, y.OriginalDefinition) && x.TypeArguments.Zip(y.TypeArguments, SameInSignature).All(same => same),
        _ => SymbolEqualityComparer.Default.Equals(a, b),
    };

    /// <summary>
    /// The one [Differentiate] and nothing else, with arguments the compiler could bind: another attribute may be
    /// repeated, misplaced or in error in ways its data does not show (CS0579, CS0592).
    /// </summary>
    private static bool OnlyDifferentiate(ImmutableArray<AttributeData> attributes) =>
        attributes.Length == 1
        && attributes[0] is { AttributeClass: { Name: "DifferentiateAttribute", ContainingNamespace.Name: "Differentiable" }, AttributeConstructor: not null } attribute
        && !attribute.ConstructorArguments.Any(HasError) && !attribute.NamedArguments.Any(a => HasError(a.Value));

    private static bool HasError(TypedConstant constant) =>
        constant.Kind == TypedConstantKind.Error || (constant.Kind == TypedConstantKind.Array && !constant.IsNull && constant.Values.Any(HasError));


    /// <summary>The walk over a body's operations, in the order they are written, with what it learned on the way.</summary>
    private sealed class BodyWalk(SemanticModel model, IMethodSymbol method)
    {
        /// <summary>Every local with the syntax of its scope.</summary>
        public List<(string Name, SyntaxNode Scope)> Scopes { get; } = new();

        /// <summary>Locals declared without a value (<c>double r;</c>), for <see cref="AssignedBeforeRead"/>.</summary>
        public HashSet<ILocalSymbol> DeclaredWithoutValue { get; } = new(SymbolEqualityComparer.Default);

        private readonly HashSet<ILocalSymbol> readOnlyLocals = new(SymbolEqualityComparer.Default);

        /// <summary>Where each local's name may first be read: past its declarator, or at a foreach's body.</summary>
        private readonly Dictionary<ILocalSymbol, int> readableFrom = new(SymbolEqualityComparer.Default);

        /// <summary>Whether one operation is of a kind the screen understands and shows no error.</summary>
        public bool Vouches(IOperation operation)
        {
            if (!Fit(operation.Type) || UsesForbidden(operation))
            {
                return false;
            }

            switch (operation)
            {
                case IBlockOperation block:
                    // A declaration as an if's or a loop's whole body binds as a block of its own (CS1023).
                    return block.Syntax is not LocalDeclarationStatementSyntax && Declares(block.Locals, block.Syntax, Scopes);
                case IForLoopOperation forLoop:
                    return Declares(forLoop.Locals, forLoop.Syntax, Scopes) && Declares(forLoop.ConditionLocals, forLoop.Syntax, Scopes);
                case IWhileLoopOperation whileLoop:
                    return Declares(whileLoop.Locals, whileLoop.Syntax, Scopes);
                case IForEachLoopOperation forEach:
                    if (forEach.Syntax is not ForEachStatementSyntax statement
                        || model.GetForEachStatementInfo(statement) is not { GetEnumeratorMethod: { MethodKind: MethodKind.Ordinary } enumerator, ElementConversion.Exists: true, CurrentConversion.Exists: true } info
                        || Forbidden(enumerator) || (info.MoveNextMethod is { } moveNext && Forbidden(moveNext))
                        || (info.CurrentProperty is { } current && Forbidden(current))
                        || (info.ElementConversion.MethodSymbol is { } elementConversion && Forbidden(elementConversion))
                        || (info.CurrentConversion.MethodSymbol is { } currentConversion && Forbidden(currentConversion)))
                    {
                        return false;
                    }

                    var iterationLocals = forEach.Locals.ToList();
                    if (forEach.LoopControlVariable is IVariableDeclaratorOperation control)
                    {
                        iterationLocals.Add(control.Symbol);
                    }

                    // The iteration variable is read-only (CS1656) and readable in the body only.
                    foreach (var local in iterationLocals)
                    {
                        readOnlyLocals.Add(local);
                        readableFrom[local] = statement.Statement.SpanStart;
                    }

                    return Declares(forEach.Locals, forEach.Syntax, Scopes);
                case IVariableDeclaratorOperation declarator:
                    if (declarator.Parent is not IForEachLoopOperation)
                    {
                        readableFrom[declarator.Symbol] = declarator.Syntax.Span.End;
                    }

                    // Declared without a value (not var, CS0818; not const, CS0145), a local may be read before it is
                    // assigned (CS0165, a flow-analysis error): AssignedBeforeRead decides after the walk.
                    if (declarator.GetVariableInitializer() is null && declarator.Parent is not IForEachLoopOperation
                        && declarator.Syntax.Parent is VariableDeclarationSyntax { Type.IsVar: false } && !declarator.Symbol.IsConst)
                    {
                        DeclaredWithoutValue.Add(declarator.Symbol);
                        return declarator.Symbol is { RefKind: RefKind.None } && Fit(declarator.Symbol.Type);
                    }

                    // var x = null and var x = a void call have no type to give the local (CS0815).
                    return declarator.Symbol is { RefKind: RefKind.None } && Fit(declarator.Symbol.Type)
                        && (declarator.GetVariableInitializer() is { Value.Type: { SpecialType: not SpecialType.System_Void } } || declarator.Parent is IForEachLoopOperation)
                        && (!declarator.Symbol.IsConst || WellFormedConstant(declarator));
                case ILocalReferenceOperation local:
                    // Read in its own initializer (int i = i: CS0165) or before its declaration (CS0841).
                    return !local.IsDeclaration && readableFrom.TryGetValue(local.Local, out var from) && local.Syntax.SpanStart >= from;
                case IVariableDeclarationGroupOperation or IVariableDeclarationOperation or IVariableInitializerOperation:
                    return true;
                case IConversionOperation conversion:
                    return Converts(conversion);
                case IBinaryOperation binary:
                    // == without an operator keeps a well-formed tree of type bool (CS0019): between reference types,
                    // and between value types that have none (x == true, a struct's own ==). The built-in ones compare
                    // two operands of one primitive or enum type, after conversions.
                    return ConstantFolded(binary, binary.LeftOperand, binary.RightOperand)
                        && !(binary.OperatorKind is BinaryOperatorKind.Equals or BinaryOperatorKind.NotEquals && binary.OperatorMethod is null
                            && (!SymbolEqualityComparer.Default.Equals(binary.LeftOperand.Type, binary.RightOperand.Type)
                                || binary.LeftOperand.Type is not ({ SpecialType: >= SpecialType.System_Boolean and <= SpecialType.System_Double } or { TypeKind: TypeKind.Enum })));
                case IUnaryOperation unary:
                    return ConstantFolded(unary, unary.Operand);
                case IReturnOperation returned:
                    return returned.Kind == OperationKind.Return && (returned.ReturnedValue is null) == method.ReturnsVoid;
                case IBranchOperation branch:
                    return branch.BranchKind is BranchKind.Break or BranchKind.Continue;
                case ISimpleAssignmentOperation assignment:
                    return !assignment.IsRef && Assignable(assignment.Target, readOnlyLocals);
                case ICompoundAssignmentOperation compound:
                    // Conversions in and out of the operator live in the operation, not in its tree (i += 1.5 is CS0266).
                    return Assignable(compound.Target, readOnlyLocals) && Implicit(compound.InConversion) && Implicit(compound.OutConversion);
                case IIncrementOrDecrementOperation increment:
                    // A user-defined ++ may return another type (CS0029).
                    return increment.OperatorMethod is null && Assignable(increment.Target, readOnlyLocals);
                case IArgumentOperation argument:
                    return argument.Parameter is { RefKind: RefKind.None };
                case IInstanceReferenceOperation:
                    // In a static method every use of this is an error (CS0026, CS0120).
                    return false;
                case IInvocationOperation invocation:
                    // A local function is somebody else's (CS8801 from a top-level statement, captures); type arguments must
                    // meet constraints the tree does not check (CS0452).
                    return invocation.TargetMethod is { MethodKind: MethodKind.Ordinary or MethodKind.ReducedExtension, ReturnsByRef: false, ReturnsByRefReadonly: false } target
                        && OwnMember(target, invocation.Instance) && !target.TypeParameters.Any(Constrained) && target.TypeArguments.All(Fit)
                        && ReachedThroughNames(invocation);
                case INameOfOperation nameOf:
                    return NameOfAName(nameOf);
                case IPropertyReferenceOperation property:
                    return !property.Property.ReturnsByRef && !property.Property.ReturnsByRefReadonly && OwnMember(property.Property, property.Instance)
                        && ReachedThroughNames(property);
                case IFieldReferenceOperation field:
                    return OwnMember(field.Field, field.Instance) && ReachedThroughNames(field);
                case IThrowOperation thrown:
                    // throw; belongs in a catch clause (CS0156), and the screen refuses try statements.
                    return thrown.Exception is not null;
                case IArrayElementReferenceOperation element:
                    // A wrong number of indices (CS0022) leaves the element's type intact.
                    return element.ArrayReference.Type is IArrayTypeSymbol array && array.Rank == element.Indices.Length;
                case IExpressionStatementOperation standing:
                    // Only some expressions may stand as statements, a for loop's steps too (CS0201); the tree keeps the others as they are.
                    // nameof(x) looks like a call.
                    return standing.Operation is IInvocationOperation or ISimpleAssignmentOperation or ICompoundAssignmentOperation
                            or IIncrementOrDecrementOperation or IObjectCreationOperation
                        && (standing.Syntax is ExpressionStatementSyntax written ? written.Expression : standing.Syntax)
                        is InvocationExpressionSyntax or AssignmentExpressionSyntax or ObjectCreationExpressionSyntax
                        or PostfixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.PostIncrementExpression or (int)SyntaxKind.PostDecrementExpression }
                        or PrefixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.PreIncrementExpression or (int)SyntaxKind.PreDecrementExpression };
                case IArrayCreationOperation creation:
                    // new double[] with neither sizes nor elements (CS1586); elements that do not fill the sizes (CS0847, CS0150).
                    return creation.Type is IArrayTypeSymbol created && creation.DimensionSizes.Length == created.Rank
                        && !creation.DimensionSizes.Any(size => size.ConstantValue is { HasValue: true } constant && Negative(constant.Value))
                        && (creation.Initializer is null || Fills(creation.Initializer, creation.DimensionSizes, 0));
                case IObjectCreationOperation made:
                    // Required members unset (CS9035).
                    return made.Initializer is null && !HasRequiredMembers(made.Type);
                case IParameterReferenceOperation parameter:
                    // A primary constructor's parameter is not the static method's (CS9105).
                    return SymbolEqualityComparer.Default.Equals(parameter.Parameter.ContainingSymbol, method);
                case IConditionalOperation or ILiteralOperation or IArrayInitializerOperation or IDefaultValueOperation or IEmptyOperation:
                    return true;
                default:
                    // Lambdas, local functions, switches, patterns, declarations in expressions, goto, using, try, tuples,
                    // pointers, and whatever Roslyn has no operation for (OperationKind.None): the compiler decides.
                    return false;
            }
        }
    }

    /// <summary>
    /// A <c>const</c> local as a statement declares it (not in a for loop, CS1525), with an explicit type (CS0822) a
    /// constant of that type can have (CS0134, CS0283) and a value that folds (CS0133, CS0110; its conversion and
    /// arithmetic are operations the walk checks like any other).
    /// </summary>
    private static bool WellFormedConstant(IVariableDeclaratorOperation declarator) =>
        declarator.Syntax.Parent?.Parent is LocalDeclarationStatementSyntax { IsConst: true, Declaration.Type.IsVar: false }
        && declarator.Symbol is { HasConstantValue: true, Type.SpecialType: >= SpecialType.System_Boolean and <= SpecialType.System_Double }
        && declarator.GetVariableInitializer()?.Value.ConstantValue.HasValue == true;

    /// <summary>
    /// Every read of a local declared without a value comes where the local is certainly assigned (CS0165), decided on
    /// the safe side of the compiler's definite assignment: a branch assigns only what both branches of an if or ?:
    /// assign, a loop body and the right of &amp;&amp; and || may not run, and paths that jump away (return, break,
    /// continue) are not credited with the compiler's "unreachable, so everything is assigned". Where it answers true
    /// the compiler finds every read assigned; where the compiler would too but this does not, the compiler decides.
    /// </summary>
    /// <param name="assigned">Tracked locals certainly assigned before <paramref name="operation"/>; after it on return.</param>
    private static bool AssignedBeforeRead(IOperation operation, HashSet<ILocalSymbol> tracked, HashSet<ILocalSymbol> assigned, int depth = 0)
    {
        // A chain of thousands of operators is left to the compiler rather than walked on the stack (a small stack, an
        // IDE's 1 MB, may end sooner: InsufficientExecutionStackException is caught where the walk starts).
        if (depth > StackGuard.MaxDepth)
        {
            return false;
        }

        RuntimeHelpers.EnsureSufficientExecutionStack();

        switch (operation)
        {
            case ILocalReferenceOperation local:
                return !tracked.Contains(local.Local) || assigned.Contains(local.Local);
            case ISimpleAssignmentOperation { Target: ILocalReferenceOperation target } assignment:
                if (!AssignedBeforeRead(assignment.Value, tracked, assigned, depth + 1))
                {
                    return false;
                }

                assigned.Add(target.Local);
                return true;
            case IVariableDeclaratorOperation declarator:
                // Declared again (a loop body's local on its next iteration), a local is unassigned again.
                assigned.Remove(declarator.Symbol);
                if (declarator.GetVariableInitializer() is { } initializer)
                {
                    if (!AssignedBeforeRead(initializer.Value, tracked, assigned, depth + 1))
                    {
                        return false;
                    }

                    assigned.Add(declarator.Symbol);
                }

                return true;
            case IConditionalOperation conditional:
            {
                if (!AssignedBeforeRead(conditional.Condition, tracked, assigned, depth + 1))
                {
                    return false;
                }

                var whenTrue = Copy(assigned);
                var whenFalse = Copy(assigned);
                if (!AssignedBeforeRead(conditional.WhenTrue, tracked, whenTrue, depth + 1)
                    || (conditional.WhenFalse is { } otherwise && !AssignedBeforeRead(otherwise, tracked, whenFalse, depth + 1)))
                {
                    return false;
                }

                whenTrue.IntersectWith(whenFalse);
                assigned.UnionWith(whenTrue);
                return true;
            }

            case IBinaryOperation { OperatorKind: BinaryOperatorKind.ConditionalAnd or BinaryOperatorKind.ConditionalOr } logical:
                return AssignedBeforeRead(logical.LeftOperand, tracked, assigned, depth + 1) && AssignedBeforeRead(logical.RightOperand, tracked, Copy(assigned), depth + 1);
            case IWhileLoopOperation loop:
                // A do loop's condition also runs after continue, so it sees no more than the state before the loop.
                return loop.ConditionIsTop
                    ? (loop.Condition is null || AssignedBeforeRead(loop.Condition, tracked, assigned, depth + 1)) && AssignedBeforeRead(loop.Body, tracked, Copy(assigned), depth + 1)
                    : AssignedBeforeRead(loop.Body, tracked, Copy(assigned), depth + 1) && (loop.Condition is null || AssignedBeforeRead(loop.Condition, tracked, Copy(assigned), depth + 1));
            case IForLoopOperation loop:
                return loop.Before.All(before => AssignedBeforeRead(before, tracked, assigned, depth + 1))
                    && (loop.Condition is null || AssignedBeforeRead(loop.Condition, tracked, assigned, depth + 1))
                    && AssignedBeforeRead(loop.Body, tracked, Copy(assigned), depth + 1)
                    && loop.AtLoopBottom.All(step => AssignedBeforeRead(step, tracked, Copy(assigned), depth + 1));
            case IForEachLoopOperation loop:
                return AssignedBeforeRead(loop.Collection, tracked, assigned, depth + 1) && AssignedBeforeRead(loop.Body, tracked, Copy(assigned), depth + 1);
            default:
                // Operands in the order they are written, which is the order C# evaluates them (named arguments included).
                foreach (var child in operation.ChildOperations.OrderBy(WrittenAt))
                {
                    if (!AssignedBeforeRead(child, tracked, assigned, depth + 1))
                    {
                        return false;
                    }
                }

                return true;
        }

        static HashSet<ILocalSymbol> Copy(HashSet<ILocalSymbol> set) => new(set, SymbolEqualityComparer.Default);

        // An implicit operation carries the syntax around it (a params array's elements carry the whole call's), so it
        // stands where the first operand written inside it stands.
        static int WrittenAt(IOperation child) => child.IsImplicit
            ? child.DescendantsAndSelf().Where(o => !o.IsImplicit).Select(o => o.Syntax.SpanStart).DefaultIfEmpty(child.Syntax.SpanStart).Min()
            : child.Syntax.SpanStart;
    }

    /// <summary>A negative constant of any signed type (an array size, CS0248).</summary>
    private static bool Negative(object? value) => value switch
    {
        sbyte v => v < 0,
        short v => v < 0,
        int v => v < 0,
        long v => v < 0,
        _ => false,
    };

    /// <summary>An initializer with as many elements at each depth as the constant size of that dimension.</summary>
    private static bool Fills(IArrayInitializerOperation initializer, ImmutableArray<IOperation> sizes, int depth) =>
        sizes[depth].ConstantValue is { HasValue: true, Value: int size } && size == initializer.ElementValues.Length
        && initializer.ElementValues.All(element => depth + 1 < sizes.Length
            ? element is IArrayInitializerOperation nested && Fills(nested, sizes, depth + 1)
            : element is not IArrayInitializerOperation);

    /// <summary>nameof of a name (nameof(1) is CS8081) that binds.</summary>
    private static bool NameOfAName(INameOfOperation nameOf) =>
        nameOf.Syntax is InvocationExpressionSyntax { ArgumentList.Arguments: { Count: 1 } written }
        && written[0].Expression is IdentifierNameSyntax or MemberAccessExpressionSyntax or QualifiedNameSyntax
        && !nameOf.Argument.DescendantsAndSelf().Any(o => o is IInvalidOperation || !Fit(o.Type));

    /// <summary>A local may be declared where no enclosing scope has one of its name (CS0128, CS0136); recorded for <see cref="LocalsClash"/>.</summary>
    private static bool Declares(IEnumerable<ILocalSymbol> locals, SyntaxNode scope, List<(string, SyntaxNode)> scopes)
    {
        foreach (var local in locals)
        {
            if (local.RefKind != RefKind.None || local.IsUsing)
            {
                return false;
            }

            scopes.Add((local.Name, scope));
        }

        return true;
    }

    /// <summary>Two locals of one name whose scopes nest or coincide, or a local named as a parameter.</summary>
    private static bool LocalsClash(List<(string Name, SyntaxNode Scope)> scopes, IMethodSymbol method)
    {
        var parameters = new HashSet<string>(method.Parameters.Select(p => p.Name));
        foreach (var sameName in scopes.GroupBy(local => local.Name))
        {
            if (parameters.Contains(sameName.Key))
            {
                return true;
            }

            var spans = sameName.Select(local => local.Scope.Span).ToList();
            for (var i = 0; i < spans.Count; i++)
            {
                for (var j = i + 1; j < spans.Count; j++)
                {
                    if (spans[i].Contains(spans[j]) || spans[j].Contains(spans[i]))
                    {
                        return true;
                    }
                }
            }
        }

        return false;
    }

    /// <summary>Something that may be assigned: a local or parameter that is not read-only, an array element, or a field of one.</summary>
    private static bool Assignable(IOperation target, HashSet<ILocalSymbol> readOnlyLocals) => target switch
    {
        ILocalReferenceOperation local => !readOnlyLocals.Contains(local.Local) && !local.Local.IsConst && local.Local.RefKind == RefKind.None && !local.Local.IsUsing,
        IParameterReferenceOperation parameter => parameter.Parameter.RefKind == RefKind.None,
        IArrayElementReferenceOperation => true,
        IFieldReferenceOperation field => !field.Field.IsReadOnly && !field.Field.IsConst
            && (field.Field.IsStatic || (field.Instance is { Type.IsValueType: true } instance ? Assignable(instance, readOnlyLocals) : field.Instance is not null)),
        _ => false,
    };

    /// <summary>
    /// Operands that are all constants and a result that is not: the compiler found the folding in error (an overflow in a
    /// checked context, a division by zero, CS0220, CS0020, CS0221).
    /// </summary>
    private static bool ConstantFolded(IOperation result, params IOperation[] operands) =>
        result.ConstantValue.HasValue || !operands.All(o => o.ConstantValue.HasValue) || result.Type?.SpecialType is SpecialType.System_String or SpecialType.System_Object;

    /// <summary>The members an operation uses, operators and accessors included, checked by <see cref="Forbidden"/>.</summary>
    private static bool UsesForbidden(IOperation operation)
    {
        IEnumerable<ISymbol?> used = operation switch
        {
            IInvocationOperation invocation => [invocation.TargetMethod],
            IPropertyReferenceOperation property => [property.Property, property.Property.GetMethod, property.Property.SetMethod],
            IFieldReferenceOperation field => [field.Field],
            IObjectCreationOperation creation => [creation.Constructor],
            IBinaryOperation binary => [binary.OperatorMethod],
            IUnaryOperation unary => [unary.OperatorMethod],
            IIncrementOrDecrementOperation increment => [increment.OperatorMethod],
            ICompoundAssignmentOperation compound => [compound.OperatorMethod, compound.InConversion.MethodSymbol, compound.OutConversion.MethodSymbol],
            IConversionOperation conversion => [conversion.OperatorMethod],
            _ => [],
        };

        return used.Any(symbol => symbol is not null && Forbidden(symbol));
    }

    /// <summary>
    /// A member whose use is an error whatever the code around it: marked obsolete as an error (CS0619), experimental
    /// (itself, a containing type or its assembly), callable from unmanaged code only (CS8901), or needing a compiler
    /// feature (CS9041).
    /// </summary>
    private static bool Forbidden(ISymbol symbol)
    {
        for (var current = symbol; current is not null and not INamespaceSymbol; current = current.ContainingSymbol)
        {
            if (current.GetAttributes().Any(ForbiddingAttribute))
            {
                return true;
            }
        }

        return symbol.ContainingAssembly is { } assembly && (assembly.GetAttributes().Any(ForbiddingAttribute) || assembly.Modules.Any(m => m.GetAttributes().Any(ForbiddingAttribute)));
    }

    private static bool ForbiddingAttribute(AttributeData attribute) => attribute.AttributeClass is { } type && (type.Name switch
    {
        "ObsoleteAttribute" => attribute.ConstructorArguments.Length == 2 && attribute.ConstructorArguments[1].Value is true,
        "ExperimentalAttribute" or "UnmanagedCallersOnlyAttribute" or "CompilerFeatureRequiredAttribute" => true,
        _ => false,
    });

    /// <summary>
    /// A field, property or method of a class, struct or enum, reached as it is declared: static without an instance,
    /// an instance member with one (CS0120, CS0176; static members of interfaces need a type parameter, CS8926).
    /// </summary>
    private static bool OwnMember(ISymbol member, IOperation? instance) =>
        member.ContainingType is { TypeKind: TypeKind.Class or TypeKind.Struct or TypeKind.Enum } container && member.IsStatic == (instance is null)
        && (container.IsStatic ? OwnTypeArgumentsFit(container) && ContainingTypes(container).All(OwnTypeArgumentsFit) : Fit(container));

    /// <summary>
    /// A static member written as a member access reached through names of types and namespaces only: c.N.V, with c a
    /// field, binds V and drops c from the tree (CS0572).
    /// </summary>
    private static bool ReachedThroughNames(IOperation reference)
    {
        var member = reference switch
        {
            IInvocationOperation invocation => invocation.TargetMethod as ISymbol,
            IPropertyReferenceOperation property => property.Property,
            IFieldReferenceOperation field => field.Field,
            _ => null,
        };

        if (member is not { IsStatic: true } || reference.SemanticModel is not { } model)
        {
            return true;
        }

        var written = reference.Syntax is InvocationExpressionSyntax call ? call.Expression : reference.Syntax;
        for (var receiver = (written as MemberAccessExpressionSyntax)?.Expression; receiver is not null; receiver = (receiver as MemberAccessExpressionSyntax)?.Expression)
        {
            if (model.GetSymbolInfo(receiver).Symbol is not (INamedTypeSymbol or INamespaceSymbol) && receiver is not PredefinedTypeSyntax)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>A type, or one of its bases, with members a creation must set (CS9035).</summary>
    private static bool HasRequiredMembers(ITypeSymbol? type)
    {
        for (var current = type; current is not null; current = current.BaseType)
        {
            if (current.GetMembers().Any(member => member is IFieldSymbol { IsRequired: true } or IPropertySymbol { IsRequired: true }))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// A method that returns a value must not reach the end of its body (CS0161). Decided from the syntax, as the compiler
    /// does: region analysis takes x > 0 || true for true, and the compiler does not.
    /// </summary>
    private static bool EndPointUnreachable(IMethodSymbol method, MethodDeclarationSyntax syntax) =>
        method.ReturnsVoid || syntax.Body is not { } body || (body.Statements.Count > 0 && Ends(body.Statements.Last(), 0));

    /// <summary>
    /// A statement whose end cannot be reached: return, throw, an if whose branches both end, a block ending so, or a
    /// loop on the literal true without break. An else-if chain longer than <see cref="StackGuard.MaxDepth"/> goes to the compiler.
    /// </summary>
    private static bool Ends(StatementSyntax statement, int depth) => depth <= StackGuard.MaxDepth && statement switch
    {
        ReturnStatementSyntax or ThrowStatementSyntax => true,
        BlockSyntax block => block.Statements.Count > 0 && Ends(block.Statements.Last(), depth + 1),
        IfStatementSyntax { Else: { } otherwise } branch => Ends(branch.Statement, depth + 1) && Ends(otherwise.Statement, depth + 1),
        WhileStatementSyntax loop => loop.Condition.IsKind(SyntaxKind.TrueLiteralExpression) && !Breaks(loop.Statement),
        ForStatementSyntax loop => (loop.Condition is null || loop.Condition.IsKind(SyntaxKind.TrueLiteralExpression)) && !Breaks(loop.Statement),
        _ => false,
    };

    /// <summary>A break that leaves this loop (not one of a loop inside it).</summary>
    private static bool Breaks(StatementSyntax body) =>
        body.DescendantNodesAndSelf(node => node == body || node is not (WhileStatementSyntax or ForStatementSyntax or ForEachStatementSyntax or DoStatementSyntax or SwitchStatementSyntax))
            .OfType<BreakStatementSyntax>().Any();
}
