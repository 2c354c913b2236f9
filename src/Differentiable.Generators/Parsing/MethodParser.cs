using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Differentiable.Generators.Diagnostics;
using Differentiable.Generators.Infrastructure;
using Differentiable.Generators.Ir;
using Differentiable.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Differentiable.Generators.Parsing;

/// <summary>
/// Turns a [Differentiate] method's syntax and semantics into a <see cref="MethodModel"/>: our own IR, with no
/// symbols or syntax inside, plus located diagnostics for everything that cannot be differentiated.
/// </summary>
internal sealed partial class MethodParser
{
    private static readonly SymbolDisplayFormat NullableQualifiedFormat =
        SymbolDisplayFormat.FullyQualifiedFormat.AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

    private readonly SemanticModel semanticModel;
    private readonly IMethodSymbol method;
    private readonly MethodDeclarationSyntax syntax;
    private readonly CancellationToken cancellationToken;
    private readonly List<DiagnosticInfo> diagnostics = new();
    private readonly Dictionary<ISymbol, string> names = new(SymbolEqualityComparer.Default);
    private readonly HashSet<string> usedNames = new(StringComparer.Ordinal);

    /// <summary>Locals whose type was refused at their declaration: their uses are not reported again.</summary>
    private readonly HashSet<ISymbol> refusedLocals = new(SymbolEqualityComparer.Default);
    private readonly List<LocalModel> locals = new();
    private readonly Dictionary<string, IrType> types = new(StringComparer.Ordinal);
    private readonly List<LocalModel> externals = new();
    private readonly HashSet<string> parameterArrays = new(StringComparer.Ordinal);
    private readonly List<ZeroDerivativeSite> zeroDerivativeSites = new();
    private int loopDepth;
    private int conditionalDepth;

    /// <summary>The statement list being filled, where expressions may hoist partial results.</summary>
    private List<Stmt>? currentOutput;

    // True while parsing a statement that evaluates its expressions once, in order (a declaration, an assignment, a
    // return, an if's condition): a value it needs twice may become a local declared just before it.
    private bool mayBindOperands;

    private readonly bool isHelper;
    private readonly HashSet<string> helpersInProgress;
    private readonly List<MethodModel> helpers = new();

    /// <summary>The attribute's Vectorize, passed on to the helpers this method calls.</summary>
    private bool vectorizeCompanions = true;

    /// <summary>The method's System.Numerics result type, or null.</summary>
    private NumericsResult? numericsResult;

    /// <summary>Regions of source outside the method that the parse read (null when nobody asks): see <see cref="ParseCache"/>.</summary>
    private readonly ICollection<SourceRead>? dependencies;

    /// <param name="anchor">Where the method starts, with its key (computed once per parse: it is not cheap).</param>
    private MethodParser(SemanticModel semanticModel, IMethodSymbol method, MethodDeclarationSyntax syntax, MethodAnchor anchor, CancellationToken cancellationToken, ICollection<SourceRead>? dependencies, HashSet<string>? helpersInProgress = null)
    {
        this.dependencies = dependencies;
        isHelper = helpersInProgress is not null;
        this.helpersInProgress = helpersInProgress ?? new HashSet<string>(StringComparer.Ordinal) { anchor.Key };
        this.semanticModel = semanticModel;
        this.method = method;
        this.syntax = syntax;
        this.anchor = anchor;
        this.cancellationToken = cancellationToken;
    }

    /// <summary>
    /// The origin of the places this parse records in the method's own file (see <see cref="LocationInfo.RelativeToMethod"/>),
    /// and the method's key.
    /// </summary>
    private readonly MethodAnchor anchor;

    /// <summary>A place for the model: relative to the method in its own file, absolute in any other.</summary>
    private LocationInfo Locate(SyntaxNode node) => Locate(node.GetLocation())!;

    private LocationInfo Locate(SyntaxToken token) => Locate(token.GetLocation())!;

    private LocationInfo? Locate(Location? location)
    {
        var info = LocationInfo.From(location);
        return info is not null && location!.SourceTree == syntax.SyntaxTree ? info.RelativeTo(anchor) : info;
    }

    /// <param name="dependencies">Receives every region of source the parse reads besides the method (helper bodies, callee declarations).</param>
    public static ParseResult Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken, ICollection<SourceRead>? dependencies)
    {
        if (context.TargetSymbol is not IMethodSymbol method || context.TargetNode is not MethodDeclarationSyntax syntax)
        {
            return context.TargetNode switch
            {
                LocalFunctionStatementSyntax local => NoCompanions(local.Identifier, "a local function", "a static method of the enclosing partial type"),
                ParenthesizedLambdaExpressionSyntax lambda => NoCompanions(lambda.ParameterList, "a lambda", "a static method of a partial type"),
                OperatorDeclarationSyntax op => NoCompanions(op.OperatorToken, "an operator", "a static method of the same type, which the operator calls"),
                ConversionOperatorDeclarationSyntax conversion => NoCompanions(conversion.Type, "a conversion operator", "a static method of the same type, which the operator calls"),
                AccessorDeclarationSyntax accessor => NoCompanions(accessor.Keyword, "an accessor", "a static method of the same type, which the accessor calls"),
                _ => new ParseResult(null, EquatableArray<DiagnosticInfo>.Empty),
            };

            static ParseResult NoCompanions(SyntaxNodeOrToken place, string what, string instead) => Failed(DiagnosticInfo.Create(
                DiagnosticDescriptors.UnsupportedFeature,
                LocationInfo.From(place.GetLocation()),
                $"[Differentiate] applies to static methods of partial types, and {what} gets no companions; move the computation into {instead}"));
        }

        var anchor = MethodAnchor.Of(Calls.CallSymbols.Key(method), syntax);
        var location = LocationInfo.From(syntax.Identifier).RelativeTo(anchor);
        return Run() with { Key = anchor.Key, Identifier = location, Anchor = anchor };

        ParseResult Run()
        {
            try
            {
                // Code the compiler rejects (half-typed while editing) gets the compiler's errors only, not ours on top.
                var model = SemanticModels.For(context.SemanticModel.Compilation, syntax.SyntaxTree);
                if (CompilerErrorScreen.HasErrors(context.SemanticModel, model, method, syntax, cancellationToken))
                {
                    return new ParseResult(null, EquatableArray<DiagnosticInfo>.Empty);
                }

                if (syntax.SyntaxTree.Options is CSharpParseOptions { LanguageVersion: < LanguageVersion.CSharp8 } options)
                {
                    // The companions declare #nullable and use C# 8 syntax; below it they would not compile (CS8370).
                    return Failed(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedFeature, location, $"The companions of '{method.Name}' need C# 8 or later, and this project compiles C# {options.LanguageVersion.ToDisplayString()}; set <LangVersion>8</LangVersion> or later in the project file"));
                }

                return new MethodParser(model, method, syntax, anchor, cancellationToken, dependencies).Run(context.Attributes);
            }
            catch (OperationCanceledException)
            {
                throw;
            }
            catch (CompilerErrorsInHelperException)
            {
                return new ParseResult(null, EquatableArray<DiagnosticInfo>.Empty);
            }
            catch (Exception exception) when (exception is CodeTooComplexException or InsufficientExecutionStackException)
            {
                return Failed(DiagnosticInfo.Create(DiagnosticDescriptors.TooComplex, location, method.Name, StackGuard.MaxDepth.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            }
            catch (Exception exception)
            {
                return Failed(DiagnosticInfo.Create(DiagnosticDescriptors.InternalError, location, method.Name, exception.GetType().Name + ": " + exception.Message));
            }
        }
    }

    private static ParseResult Failed(DiagnosticInfo diagnostic) => new(null, EquatableArray.Create(diagnostic));

    private ParseResult Run(ImmutableArray<AttributeData> attributes)
    {
        var containingTypes = ReadContainingTypes();
        if (!method.IsStatic)
        {
            Report(DiagnosticDescriptors.MethodNotStatic, syntax.Identifier, method.Name);
        }

        if (method.IsGenericMethod)
        {
            Report(DiagnosticDescriptors.UnsupportedFeature, syntax.Identifier, $"Generic method '{method.Name}' cannot be differentiated; remove its type parameters");
        }

        var returnType = Classify(method.ReturnType);
        if (Fields(method.ReturnType) is { } resultFields)
        {
            // Computed as an array of its components; the companions convert at their signatures.
            var kind = KindOf(method.ReturnType);
            numericsResult = new NumericsResult(
                method.ReturnType.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat),
                resultFields.ToEquatableArray(),
                kind == "Matrix4x4" ? 4 : kind == "Matrix3x2" ? 2 : 0);
            returnType = numericsResult.Columns == 0 ? IrType.DoubleArray : IrType.DoubleMatrix;
        }

        // double[]? too: a result that may be null has no Jacobian (and Shape(value) warned CS8604 in the companion).
        if (returnType is not (IrType.Double or IrType.Single or IrType.DoubleArray or IrType.DoubleMatrix)
            || method.ReturnType.NullableAnnotation == NullableAnnotation.Annotated)
        {
            Report(DiagnosticDescriptors.UnsupportedReturnType, syntax.ReturnType, method.Name, method.ReturnType.ToDisplayString());
        }

        var attribute = attributes.Length > 0 ? attributes[0] : null;
        var (withRespectTo, hessian, maxUnroll, vectorize) = ReadAttribute(attribute);
        vectorizeCompanions = vectorize;
        var parameters = ReadParameters(withRespectTo, attribute);
        if (hessian && returnType is not (IrType.Double or IrType.Single))
        {
            Report(DiagnosticDescriptors.UnsupportedFeature, syntax.Identifier, $"Hessian = true applies to scalar-valued methods; '{method.Name}' returns '{method.ReturnType.ToDisplayString()}' (use {method.Name}Jacobian for first derivatives)");
        }

        if (syntax.Body is null && syntax.ExpressionBody is null)
        {
            Report(DiagnosticDescriptors.UnsupportedFeature, syntax.Identifier, method.PartialImplementationPart is not null
                ? $"'{method.Name}' is a partial method whose body is in its implementing declaration; put [Differentiate] there instead"
                : $"'{method.Name}' has no body to differentiate");
        }

        ReportKeywordNames();
        if (diagnostics.Count == 0)
        {
            ReportCompanionClashes(withRespectTo, hessian);
        }

        if (diagnostics.Count > 0)
        {
            return new ParseResult(null, diagnostics.ToEquatableArray());
        }

        var statements = new List<Stmt>();
        if (syntax.ExpressionBody is not null)
        {
            currentOutput = statements;
            // An expression body is a return statement: evaluated once, in order, so long chains may bind partial sums.
            mayBindOperands = true;
            statements.Add(new Return(ParseReturnValue(syntax.ExpressionBody.Expression, statements, 0)));
            mayBindOperands = false;
        }
        else
        {
            ParseStatements(syntax.Body!.Statements, statements, 0);
        }

        if (diagnostics.Count > 0)
        {
            return new ParseResult(null, diagnostics.ToEquatableArray());
        }

        statements = LowerControlFlow(statements, returnType!.Value);
        var body = TailReturns.Normalize(statements, FreshName("result"), returnType!.Value, locals, numericsResult switch
        {
            null => null,
            { Columns: 0 } vector => new[] { vector.Fields.Count },
            var matrix => new[] { matrix.Fields.Count / matrix.Columns, matrix.Columns },
        });

        var model = new MethodModel(
            method.ContainingNamespace is { IsGlobalNamespace: false } ns ? ns.ToDisplayString() : null,
            containingTypes,
            method.Name,
            Accessibility(method.DeclaredAccessibility),
            parameters,
            returnType ?? IrType.Double,
            body,
            locals.ToEquatableArray(),
            externals.ToEquatableArray(),
            hessian,
            maxUnroll,
            zeroDerivativeSites.ToEquatableArray(),
            OverloadSuffix()) { Key = anchor.Key, Vectorize = vectorize, IsHelper = isHelper, Numerics = numericsResult };
        return new ParseResult(model, EquatableArray<DiagnosticInfo>.Empty, helpers.ToEquatableArray());
    }

    /// <summary>
    /// A verbatim identifier that spells a keyword (<c>@in</c>, <c>@base</c>) is reported once per name: the companions
    /// print names without the <c>@</c>, so they would not compile.
    /// </summary>
    private void ReportKeywordNames()
    {
        var reported = new HashSet<string>(StringComparer.Ordinal);
        foreach (var token in syntax.DescendantTokens())
        {
            if (token.IsKind(SyntaxKind.IdentifierToken) && token.Text.Length > 0 && token.Text[0] == '@'
                && SyntaxFacts.GetKeywordKind(token.ValueText) != SyntaxKind.None && reported.Add(token.ValueText))
            {
                Report(DiagnosticDescriptors.UnsupportedFeature, token, $"'{token.Text}' names something with a C# keyword, which the generated companions cannot spell; rename it (for example to '{token.ValueText}Value')");
            }
        }
    }

    /// <summary>Empty unless the method is overloaded; then a stable hash of its parameter types (FNV-1a).</summary>
    private string OverloadSuffix()
    {
        if (method.ContainingType.GetMembers(method.Name).Length < 2)
        {
            return string.Empty;
        }

        var hash = 2166136261u;
        foreach (var c in anchor.Key)
        {
            hash = unchecked((hash ^ c) * 16777619u);
        }

        return hash.ToString("x8", System.Globalization.CultureInfo.InvariantCulture);
    }

    private EquatableArray<ContainingType> ReadContainingTypes()
    {
        var result = new List<ContainingType>();
        for (var node = syntax.Parent; node is TypeDeclarationSyntax type; node = node.Parent)
        {
            if (type.Identifier.ValueText.Length == 0)
            {
                // A C# 14 extension block: it has no name to reopen it by, and cannot be partial.
                dependencies?.Add(new SourceRead(type.SyntaxTree, type.Keyword.Span));
                Report(DiagnosticDescriptors.UnsupportedFeature, type.Keyword, $"'{method.Name}' is declared in an extension block, which the generator cannot add companions to; move it to the enclosing static class, with the extended value as a parameter");
                break;
            }

            if (type.Modifiers.FirstOrDefault(m => m.IsKind(SyntaxKind.FileKeyword)) is { RawKind: not 0 } file)
            {
                // The companions are generated in another file, where a file-local type is a different type.
                dependencies?.Add(new SourceRead(type.SyntaxTree, file.Span));
                Report(DiagnosticDescriptors.UnsupportedFeature, file, $"'{type.Identifier.Text}' is file-local: the companions of '{method.Name}', generated in another file, cannot extend it; remove 'file' or move the method to a type that is not file-local");
            }

            if (!type.Modifiers.Any(SyntaxKind.PartialKeyword))
            {
                // Reported outside the method: the cache must know this place (it moves with edits above the method).
                dependencies?.Add(new SourceRead(type.SyntaxTree, type.Identifier.Span));
                Report(DiagnosticDescriptors.TypeNotPartial, type.Identifier, type.Identifier.Text, method.Name);
            }

            var keyword = type switch
            {
                RecordDeclarationSyntax record => record.ClassOrStructKeyword.IsKind(SyntaxKind.StructKeyword) ? "record struct" : "record",
                _ => type.Keyword.Text,
            };
            // From tokens, not text: comments and spaces inside <…> belong in neither the declaration nor the hint name.
            var name = type.Identifier.Text + (type.TypeParameterList is { } list
                ? "<" + string.Join(", ", list.Parameters.Select(p => (p.VarianceKeyword.IsKind(SyntaxKind.None) ? string.Empty : p.VarianceKeyword.Text + " ") + p.Identifier.Text)) + ">"
                : string.Empty);
            result.Insert(0, new ContainingType(keyword, name, type.Modifiers.Any(SyntaxKind.StaticKeyword)));
        }

        return result.ToEquatableArray();
    }

    private (string[] WithRespectTo, bool Hessian, int MaxUnroll, bool Vectorize) ReadAttribute(AttributeData? attribute)
    {
        var hessian = false;
        var maxUnroll = 0;
        var vectorize = true;
        if (attribute is null)
        {
            return (Array.Empty<string>(), false, 0, true);
        }

        var withRespectTo = Calls.CallSymbols.WithRespectTo(attribute);
        foreach (var named in attribute.NamedArguments)
        {
            if (named.Key == "Hessian" && named.Value.Value is bool h)
            {
                hessian = h;
            }
            else if (named.Key == "MaxUnroll" && named.Value.Value is int m)
            {
                maxUnroll = m;
            }
            else if (named.Key == "Vectorize" && named.Value.Value is bool v)
            {
                vectorize = v;
            }
        }

        return (withRespectTo.ToArray(), hessian, maxUnroll, vectorize);
    }

    /// <summary>Whether [Differentiate] differentiates a parameter: the ones it names, or every differentiable one when it names none.</summary>
    private static bool IsActive(IParameterSymbol parameter, string[] withRespectTo) =>
        withRespectTo.Length == 0 ? Classify(parameter.Type)?.IsDifferentiable() == true || Fields(parameter.Type) is not null : withRespectTo.Contains(parameter.Name);

    private EquatableArray<ParameterModel> ReadParameters(string[] withRespectTo, AttributeData? attribute)
    {
        var parameterNames = method.Parameters.Select(p => p.Name).ToList();
        for (var i = 0; i < withRespectTo.Length; i++)
        {
            if (!parameterNames.Contains(withRespectTo[i]))
            {
                var location = AttributeArgumentLocation(attribute, i);
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnknownWithRespectTo, location, withRespectTo[i], method.Name, string.Join(", ", parameterNames)));
            }
        }

        var result = new List<ParameterModel>();
        foreach (var parameter in method.Parameters)
        {
            var type = Classify(parameter.Type);
            var named = withRespectTo.Contains(parameter.Name);
            var fields = Fields(parameter.Type);
            var active = IsActive(parameter, withRespectTo);
            var parameterSyntax = parameter.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(cancellationToken) as ParameterSyntax;
            var location = parameterSyntax is null ? Locate(syntax.Identifier) : Locate((SyntaxNode?)parameterSyntax.Type ?? parameterSyntax);
            if (parameter.RefKind != RefKind.None)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedParameter, location, parameter.Name, parameter.Type.ToDisplayString(), "ref, out and in parameters are not supported; pass it by value and return results instead"));
            }
            else if (named && type?.IsDifferentiable() != true && fields is null)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedParameter, location, parameter.Name, parameter.Type.ToDisplayString(), "only double, float, double[], double[,] and System.Numerics vector, matrix and quaternion parameters can be named in [Differentiate]; convert it to one of those or leave it out of the list"));
            }

            names[parameter] = parameter.Name;
            usedNames.Add(parameter.Name);
            if (type is { } t)
            {
                types[parameter.Name] = t;
                if (t.IsArray())
                {
                    parameterArrays.Add(parameter.Name);
                }
            }

            if (fields is not null)
            {
                // A System.Numerics parameter is read through its fields: p.X, p.Y, p.Z.
                var components = ComponentNames(parameter.Name, isParameter: true, fields);
                foreach (var component in components)
                {
                    types[component] = IrType.Single;
                }

                result.Add(new ParameterModel(parameter.Name, parameter.Type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat), null, active, components.ToEquatableArray()));
                continue;
            }

            var single = type == IrType.Single ? EquatableArray.Create(parameter.Name) : default;
            var isActive = active && type?.IsDifferentiable() == true;

            // A pass-through parameter keeps its '?' (string? tag, int[]? index), so that callers pass null to the
            // companions wherever they pass it to the method; an active array loses it: its derivative needs it.
            // Declared where nullable annotations are off (oblivious), it takes null too: '?' in the companions' annotated context.
            var passedType = parameter.Type.IsReferenceType && parameter.NullableAnnotation == NullableAnnotation.None
                ? parameter.Type.WithNullableAnnotation(NullableAnnotation.Annotated)
                : parameter.Type;
            var typeName = isActive ? parameter.Type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat) : passedType.ToDisplayString(NullableQualifiedFormat);
            result.Add(new ParameterModel(parameter.Name, typeName, type, isActive, single));
        }

        if (diagnostics.Count == 0 && !result.Any(p => p.IsActive))
        {
            Report(DiagnosticDescriptors.NoDifferentiableParameters, syntax.Identifier, method.Name);
        }

        return result.ToEquatableArray();
    }

    private LocationInfo AttributeArgumentLocation(AttributeData? attribute, int index)
    {
        if (attribute?.ApplicationSyntaxReference?.GetSyntax(cancellationToken) is AttributeSyntax attributeSyntax)
        {
            var positional = attributeSyntax.ArgumentList?.Arguments.Where(a => a.NameEquals is null).ToList();
            if (positional is not null && index < positional.Count)
            {
                return Locate(positional[index]);
            }

            return Locate(attributeSyntax);
        }

        return Locate(syntax.Identifier);
    }

    private static string Accessibility(Accessibility accessibility) => accessibility switch
    {
        Microsoft.CodeAnalysis.Accessibility.Public => "public",
        Microsoft.CodeAnalysis.Accessibility.Internal => "internal",
        Microsoft.CodeAnalysis.Accessibility.Protected => "protected",
        Microsoft.CodeAnalysis.Accessibility.ProtectedOrInternal => "protected internal",
        Microsoft.CodeAnalysis.Accessibility.ProtectedAndInternal => "private protected",
        _ => "private",
    };

    /// <summary>The IR type of a Roslyn type, or null when the IR cannot represent it.</summary>
    internal static IrType? Classify(ITypeSymbol? type)
    {
        switch (type)
        {
            case { SpecialType: SpecialType.System_Double }:
                return IrType.Double;
            case { SpecialType: SpecialType.System_Single }:
                return IrType.Single;
            case { SpecialType: SpecialType.System_Int32 }:
                return IrType.Int32;
            case { SpecialType: SpecialType.System_Boolean }:
                return IrType.Boolean;
            case IArrayTypeSymbol { ElementType.SpecialType: SpecialType.System_Double, Rank: 1 }:
                return IrType.DoubleArray;
            case IArrayTypeSymbol { ElementType.SpecialType: SpecialType.System_Double, Rank: 2 }:
                return IrType.DoubleMatrix;
            case IArrayTypeSymbol { ElementType.SpecialType: SpecialType.System_Int32, Rank: 1 }:
                return IrType.Int32Array;
            default:
                return null;
        }
    }

    private string FreshName(string preferred)
    {
        var name = preferred;
        for (var suffix = 2; usedNames.Contains(name) || SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None; suffix++)
        {
            name = preferred + "_" + suffix.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        usedNames.Add(name);
        return name;
    }

    /// <summary>Gives a local a name unique within the method (sibling scopes may reuse a name in C#).</summary>
    private string DeclareLocal(ILocalSymbol symbol, IrType type, bool isLoopVariable)
    {
        var name = FreshName(symbol.Name);
        names[symbol] = name;
        types[name] = type;
        if (!isLoopVariable)
        {
            locals.Add(new LocalModel(name, type));
        }

        return name;
    }

    private void Report(DiagnosticDescriptor descriptor, SyntaxNode node, params string[] arguments) =>
        diagnostics.Add(DiagnosticInfo.Create(descriptor, Locate(node), arguments));

    private void Report(DiagnosticDescriptor descriptor, SyntaxToken token, params string[] arguments) =>
        diagnostics.Add(DiagnosticInfo.Create(descriptor, Locate(token), arguments));
}
