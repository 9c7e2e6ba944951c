// Package changes analyses the changes made to a signed PDF after signing.
//
// A signature covers one revision of a PDF. Incremental updates appended
// later are not covered, so a viewer showing the newest revision may show
// something the signer never saw. Analyze compares the signed
// revision with every later one, revision by revision (k-1 against k),
// object by object, and sorts every object a later cross-reference section
// defines, redefines or frees into allowed and disallowed changes.
//
// The model is pyHanko's (every change is disallowed unless a rule clears
// it, and a rule clears it at a level the signature's permissions must
// allow). An approval signature with no certification signature permits
// what DocMDP P=2 permits (pyHanko's rule): new signatures, validation
// data, document timestamps and filling existing fields, unless a FieldMDP
// lock forbids the field; annotations only under P=3. Every allowed change
// is listed in the report. Any object of the signed revision that changes
// is disallowed unless one of the rules below explains the change.
//
// Change classes, from least to most restricted:
//
//	lta        always allowed, even under DocMDP P=1 (ISO 32000-2 12.8.2.2:
//	           DSS and document timestamps are not changes): /DSS and /VRI
//	           additions (/VRI keys as SHA-1 or SHA-2 hex), invisible
//	           document timestamp fields and their /DocTimeStamp
//	           dictionaries with what the timestamping tool writes beside
//	           them (below), /AcroForm /SigFlags, catalog /Version and
//	           /Extensions (an indirect extensions dictionary updated in
//	           place included), /Root moved to a new catalog object that
//	           differs only in allowed entries, new xref and object streams
//	           as containers, trailer /Info dropped, unchanged
//	           redefinitions, new objects nothing refers to.
//	metadata   allowed at every level, P=1 included, and always listed:
//	           trailer /Info and catalog /Metadata pointing at new objects
//	           (or the Info dictionary or XMP stream redefined in place, when
//	           the signed document uses that object for nothing else),
//	           catalog /MarkInfo, and catalog keys no standard defines with
//	           plain values (iText's /ITXT version string). They paint
//	           nothing, and LTA tools rewrite them with every update
//	           (pyHanko updates /ModDate and XMP on each incremental write),
//	           so refusing them under P=1 would fail every such B-LTA file.
//	sign       allowed unless P=1: new signature fields with their widgets,
//	           appearance streams and resources (new objects only), a
//	           signature dictionary filling an unsigned signature field's
//	           /V (its appearance stream may be regenerated in place), the
//	           widget added to its page's /Annots. With them, what signing
//	           software writes beside a signature: /AcroForm /DA, /DR and /Q
//	           added or changed (/DR only extended, an indirect /DR too) when
//	           no field is drawn from them (NeedAppearances off, every
//	           visible field has its appearance and its own /DA and /Q);
//	           the structure tree of a tagged PDF extended for the new
//	           widget (a new element holding only object references to new
//	           objects, the /ParentTree entry, /ParentTreeNextKey);
//	           annotation flags Print (not on a hidden or NoView widget),
//	           ReadOnly, Locked, LockedContents and the field flag ReadOnly
//	           set on any field (Acrobat turns /F 4 into 132 on the widget
//	           it signs and marks locked fields read-only). A new unsigned
//	           signature field with a visible appearance is no signature
//	           anyone vouches for: annotation class (the sneaky signature
//	           attack); a placeholder without appearance is signing. A signature reference dictionary's /Data (the
//	           catalog, for DocMDP and FieldMDP) is a back-link, not
//	           something the signature owns. A document timestamp's
//	           companions need only its class (lta).
//	form       allowed with P>=2, or approval signatures only, for fields
//	           not locked by FieldMDP: /V, /RV, /AS and /AP of existing
//	           fields and widgets (new appearance objects, or the field's
//	           own appearance streams regenerated in place when the signed
//	           document uses them for that field alone), /AcroForm /DR,
//	           /DA, /Q (not when locked fields are repainted from them),
//	           /NeedAppearances, /CO.
//	annot      allowed with P=3 only: non-widget annotations added to,
//	           removed from, reordered in or modified in a page's /Annots;
//	           the structure tree extended without a new signature.
//
// Every rule judges an object of the signed revision by what it was when
// signed: an approval names the role the object must have had (a rule
// about appearances cannot approve an object the signed document used as
// something else, nor one a later revision merely points a field at), and
// a field's value or appearance object may be redefined in place only when
// nothing but that field referred to it.
//
// Everything else is disallowed: page dictionaries, content streams,
// resources, fonts, XObjects and the page tree; catalog entries other than
// the ones above (including /Perms, /OpenAction, /Names, /Outlines...);
// signature dictionaries and signed signature fields; form fields added
// (other than signature fields), removed or renamed; objects of the signed
// revision deleted, freed and reused, or given a new generation; object
// streams of the signed revision redefined; in-place redefinitions of
// existing streams other than a field's own appearance (an appearance
// stream the signed document also uses as page content, as an XObject or
// for another field is judged as that); the structure tree changed
// otherwise than extended; a trailer /Root switched to another object that existed at
// signing; a cross-reference entry pointing into the signed bytes for an
// object with other content (a shadow version) or for a number that did not
// exist at signing (a hidden object made visible); an object number that
// was undefined at signing but referenced by the signed document, defined
// later (a dangling reference filled in: the shadow object becomes part of
// the signed page without the page changing).
//
// Cost. Only the objects later cross-reference sections list are read and
// compared, plus one walk over the signed revision's document graph (the
// catalog, the page tree, pages, their resources, fonts, XObject and
// annotation dictionaries, the form and the DSS; never stream data, never
// content streams' data, not the structure tree or outlines), done only
// when a later revision defines objects. The walk gives every object of the
// signed revision its roles (page, content stream, font...), so a change is
// named by what it changes and an object shared between an allowed role
// (say, a DSS array) and a forbidden one (a page's /Contents) cannot be
// changed under the allowed rule; and it finds references the signed
// revision makes to object numbers it does not define. Every walk is
// bounded: at most maxVisits objects per analysis, else an ErrLimit.
//
// Report kinds: page, page_tree, content_stream, resources, font, xobject,
// catalog, acroform, form_field, signature_field, signature, annotation,
// appearance, dss, info, metadata, structure, xref_stream, object_stream,
// trailer, unknown.

package changes
