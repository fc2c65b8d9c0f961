"""The words the job-title normaliser reads: keyword -> function and keyword -> seniority tables.

Every table is plain data, written the way a product marketer would review it. Phrases are lower case
and without accents (titles are folded the same way before they are matched), separated by commas.
``diretor(a)`` stands for ``diretor`` and ``diretora``; ``engenheir(o|a)`` for ``engenheiro`` and
``engenheira`` (the gendered forms of Portuguese and Spanish titles).

How the kinds of words rank when a title has several (see docs/titles.md):

1. ``ROLES`` decide both the function and the seniority of a phrase ("account manager" is a sales
   individual contributor, "ceo" an executive at c-level); their function beats every other word.
2. ``FIXED_JOBS`` are jobs whose function does not depend on the subject: a "Sales Teacher" is a
   teacher, a "Warehouse Worker" a frontline worker, a "Health Care Attorney" a lawyer.
3. ``DOMAINS`` name a function outright: "Logística", "Sales", "TI".
4. ``JOBS`` are job nouns with a default function used only when nothing above names one: an
   "Engineer" is engineering, but a "Sales Engineer" is sales and a "Network Engineer" IT.
5. ``WEAK_DOMAINS`` are generic words that give way to any of the above: "Sales Operations" is
   sales, "Production Engineer" engineering, "Operations Manager" operations. ``SETTINGS`` are weak
   too: sectors, trades and materials outside the business functions ("Irrigation Supervisor",
   "Kennel Manager" are `other`; "Hospital Finance Manager" is still finance).
"""

from __future__ import annotations

__all__ = [
    "ROLES",
    "FIXED_JOBS",
    "DOMAINS",
    "JOBS",
    "WEAK_DOMAINS",
    "SETTINGS",
    "LEVELS",
    "IC_MARKERS",
    "IC_MODIFIERS",
    "PREPOSITIONS",
    "HEAD_QUALIFIERS",
    "IGNORED_PHRASES",
    "AGENT_ENDINGS",
    "NOT_AGENTS",
    "PARTICLES",
    "COMPOUND_HEADS",
]

IC = "individual contributor"

# ---------------------------------------------------------------------------------------------
# 1. Roles: phrase -> (function or None, seniority)
# ---------------------------------------------------------------------------------------------
ROLES: dict[tuple[str | None, str], str] = {
    ("executive", "c-level"): """
        ceo, chief executive officer, chief executive, founder, cofounder, co founder, fundador(a), cofundador(a),
        co fundador(a), owner, co owner, business owner, proprietari(o|a), propietari(o|a), duen(o|a), president,
        presidente, presidenta, chairman, chairwoman, chairperson, chair of the board, partner, managing partner,
        soci(o|a), soci(o|a) fundador(a), soci(o|a) diretor(a), soci(o|a) director(a), managing director,
        diretor(a) geral, director(a) general, general director, director(a) ejecutiv(o|a), diretor(a) executiv(o|a),
        diretor(a) presidente, empresari(o|a), entrepreneur, board member, membro do conselho, conselheir(o|a),
        consejer(o|a), consejero delegado, cxo, c level, chief strategy officer, pres,
        city manager, county manager, town manager, city administrator, county administrator""",
    ("executive", "head"): """
        general manager, gm, country manager, gerente geral, gerente general, country head""",
    ("executive", "director"): "chief of staff",
    ("other", "head"): "dean",
    ("other", "manager"): "captain",
    ("finance", "c-level"): "cfo, chief financial officer, chief finance officer, chief accounting officer",
    ("operations", "c-level"): """coo, chief operating officer, chief operations officer, chief supply chain officer,
        chief procurement officer""",
    ("engineering", "c-level"): "cto, chief technology officer, chief technical officer, cdo, chief data officer",
    ("it", "c-level"): """cio, chief information officer, ciso, chief information security officer,
        chief security officer""",
    ("marketing", "c-level"): """cmo, chief marketing officer, cgo, chief growth officer, chief communications officer,
        chief brand officer""",
    ("sales", "c-level"): "cro, chief revenue officer, chief sales officer, cco, chief commercial officer",
    ("product", "c-level"): "cpo, chief product officer",
    ("customer success", "c-level"): "chief customer officer, chief experience officer",
    ("hr", "c-level"): "chro, chief people officer, chief human resources officer, chief talent officer",
    ("legal", "c-level"): "clo, chief legal officer, chief compliance officer, general counsel",
    # Jobs called "manager" that manage an account, a product or a project rather than a team.
    ("sales", IC): """
        account manager, key account, key accounts, key account manager, kam, executiv(o|a) de negocios,
        ejecutiv(o|a) de negocios, account executive, ae, sdr, bdr, sales development representative,
        business development representative, relationship manager, partner manager, sales engineer,
        gerente de contas, gerente de contas chave, gerente de cuentas, gerente de cuentas clave,
        gerente de relacionamento, executivo de contas, executiva de contas, ejecutivo de cuentas,
        ejecutiva de cuentas, salesman, saleswoman, salesperson, sales rep, sales representative, insurance agent,
        closer, inside sales, inside sales rep,
        operador(a) de telemarketing, telemarketer, account developer, business developer, lead generator""",
    ("customer success", IC): """
        customer success manager, csm, client success manager, gerente de sucesso do cliente, gerente de cs,
        gerente de exito del cliente, gerente de customer success, implementation consultant, onboarding specialist,
        customer advocate""",
    ("product", IC): """
        product manager, product owner, po, gerente de produto, gerente de producto, duen(o|a) de producto,
        ux designer, ui designer, ux ui designer, product designer, designer de produto, designer ux,
        disenador(a) ux, disenador(a) ux ui, ux researcher, user researcher""",
    ("marketing", IC): """
        community manager, social media manager, gestor(a) de trafego, media buyer, copywriter, redator(a),
        graphic designer, designer grafic(o|a), disenador(a) grafic(o|a), web designer, market researcher""",
    ("hr", "head"): "jefe de personal, jefa de personal",
    ("hr", "manager"): "gerente de personal",
    ("hr", IC): """
        hr business partner, hrbp, people partner, business partner de rh, recruiter, recrutador(a), reclutador(a),
        headhunter, head hunter""",
    ("it", IC): """systems administrator, system administrator, sysadmin, dba, database administrator, webmaster,
        computer operator, enterprise architect, tecnic(o|a) de soporte, tecnic(o|a) de suporte, system support,
        systems support""",
    ("engineering", IC): """scrum master, data scientist, cientista de dados, cientific(o|a) de datos,
        qa engineer, test engineer, qa analyst, test analyst, software tester, qa tester, technical fellow,
        engineering fellow, release manager""",
    ("other", IC): """
        air traffic controller, executive assistant, personal assistant, assistente executiv(o|a),
        assistente administrativ(o|a), auxiliar administrativ(o|a), asistente administrativ(o|a),
        asistente de gerencia, assistente de diretoria, administrative assistant, office assistant, data entry,
        social worker, owner operator, funeral director, personal trainer, law enforcement, loss prevention,
        interior designer""",
    (None, IC): """business partner, project manager, program manager, case manager, property manager,
        gerente de projetos, gerente de proyectos""",
    ("engineering", "manager"): """tech lead, technical lead, lider tecnic(o|a), engineering manager, test lead,
        test manager""",
    ("sales", "director"): "account director",
    ("finance", "manager"): "gerente de contas a pagar, gerente de contas a receber",
    ("finance", IC): "account clerk, accounts clerk, accounting clerk, fund manager, funds manager, portfolio manager",
    ("marketing", "director"): "art director, creative director, diretor(a) de arte, director(a) de arte",
}

# ---------------------------------------------------------------------------------------------
# 2-5. Function words by kind: function -> phrases
# ---------------------------------------------------------------------------------------------
FIXED_JOBS: dict[str, str] = {
    "other": """
        teacher, professor(a), profesor(a), instructor(a), lecturer, tutor, educator, docente, maestr(o|a), nurse,
        enfermeir(o|a), enfermer(o|a), physician, doctor, surgeon, dentist, pharmacist, therapist, paramedic, caregiver,
        cuidador(a), cna, medic(o|a), driver, motorista, chofer, chauffeur, trucker, pilot, piloto, operator,
        operador(a), laborer, labourer, helper, ajudante, ayudante, worker, operari(o|a), obrer(o|a), tender, feeder,
        mechanic, mecanic(o|a), machinist, welder, soldador(a), electrician, eletricista, electricista, plumber,
        carpenter, assembler, montador(a), installer, instalador(a), repairer, cleaner, janitor, custodian, housekeeper,
        maid, faxineir(o|a), cook, cozinheir(o|a), cociner(o|a), chef, baker, butcher, waiter, waitress, bartender,
        barista, dishwasher, cashier, cajer(o|a), guard, vigilante, police, farmer, farmworker, rancher, gardener,
        landscaper, miner, fisherman, sailor, soldier, mason, pedreiro, painter, pintor(a), roofer,
        upholsterer, tailor, seamstress, weaver, packer, embalador(a), loader, sorter, picker, stacker, hauler, porter,
        porteir(o|a), porter(o|a), attendant, usher, stylist, hairdresser, barber, nanny, psychologist, psicolog(o|a),
        counselor, librarian, archivist, curator, athlete, musician, actor, actress, dancer, photographer,
        fotograf(o|a), journalist, jornalista, periodista, reporter, interpreter, translator, tradutor(a), traductor(a),
        receptionist, recepcionista, secretary, secretari(o|a), typist, veterinarian, veterinari(o|a), resident,
        steward, stewardess, host, hostess, sergeant, lieutenant, corporal, cadet, trooper, sheriff, firefighter,
        aide, aid, fabricator, erector, surveyor, faculty, detective, warden, conductor, selector, scout, model,
        insulator, millwright, maintainer, jockey, disc jockey, dj, midwife, dietitian, dietician, clinician, critic,
        cleric, marshal, referee, umpire, lifeguard, concierge, valet, courier, escort, groom, chaplain, pastor,
        priest, rabbi, imam, nun, monk, deacon, bishop, missionary, clergy, docent, clown, acrobat,
        glazier, stonemason, roustabout, roughneck, stevedore, boatswain, shepherd, emt, doula, orderly, scribe,
        coroner, au pair, governess, provost, bursar, scholar, fellow, postdoc, astronaut,
        diplomat, consul, bailiff, constable, sommelier, croupier, barback, servant, busker,
        caddie, caddy, poet, practitioner, locomotive engineer, companion,
        operating engineer, stationary engineer, service engineer, custodial engineer, medic, matron, scullion, artisan, grip, attending, celebrant, instrutor(a), guardia, montacarguista,
        entregador(a), repartidor(a), nurse practitioner, veterinary technician, vet tech""",
    "legal": """attorney, counsel, lawyer, magistrate, adjudicator, advogad(o|a), abogad(o|a), paralegal, solicitor, barrister, notary,
        notari(o|a), judge, juiz, litigator, arbitrator""",
    "finance": "accountant, contador(a), bookkeeper, actuary, underwriter, teller, tesoureir(o|a), tesorer(o|a)",
}

DOMAINS: dict[str, str] = {
    "operations": """
        logistics, logistica, logistico, logistic, whse, purch, supply chain, cadeia de suprimentos, cadena de suministro,
        cadena de abastecimiento, suprimentos, suministros, abastecimento, abastecimiento, procurement, purchasing,
        purchase, compras, sourcing, warehouse, warehousing, armazem, almacen, almoxarifado, bodega, inventory,
        inventario, estoque, shipping, receiving, expedicao, expedicion, distribution, distribuicao, distribucion,
        fulfillment, fulfilment, transportation, transport, transporte, fleet, frota, flota, routing, route, rota,
        roteirizacao, ruteo, ruta, dispatch, last mile, ultima milha, ultima milla, freight, frete, quality, qualidade,
        calidad, quality assurance, quality control, qc, lean, six sigma,
        continuous improvement, melhoria continua, mejora continua, demand planning, planejamento de demanda, sop,
        pcp, mro, comercio exterior, comex, import, export, planta, fabrica, cargo, supplier, suppliers,
        importacao, exportacao, importacion, exportacion, aduana, aduanas, aduaneir(o|a), despacho, carga,
        vendor management, vendor relations""",
    "finance": """
        finance, financial, financeir(o|a), financier(o|a), financas, finanzas, accounting, acctg, acctng, contabil, contabilidade,
        contabilidad, contable, controladoria, controlling, treasury, tesouraria, tesoreria,
        treasurer, fpa, audit, auditing, auditoria, tax, taxes, tributario, tributaria, fiscal, impuestos, billing,
        faturamento, facturacion, cobranca, cobranza, collections, accounts payable, accounts receivable,
        contas a pagar, contas a receber, cuentas por pagar, cuentas por cobrar, credit, credito, payable,
        receivable, cost, costs, custos, costos, budget, orcamento, presupuesto, investment, investimentos,
        inversiones, banking, bank, banco, insurance, loan, mortgage, forex, actuarial, underwriting, claims, claim,
        cpa, reconciliation, conciliacao, conciliacion, investor relations, asset management, chargeback, chargebacks,
        trading, securities, lending, wealth, wealth management, equity, private equity, pension, pensions,
        reimbursement, payments, payment, invoice, invoices, invoicing, tax compliance, fraud, fixed income,
        venture capital, capital markets, foreign exchange, voucher,
        vouchers, amortization, dividend, dividends, remittance, remittances, disbursement, disbursements, escrow,
        annuity, annuities, internal revenue, debt collection, charge account, charge accounts""",
    "it": """
        it, ti, information technology, tecnologia da informacao, tecnologia de la informacion, sistemas,
        infrastructure, infraestrutura, infraestructura, network, networks, redes, rede, help desk, helpdesk,
        service desk, desktop support, technical support, it support, suporte tecnico, soporte tecnico, database,
        information security, cybersecurity, cyber security, seguranca da informacao, seguridad de la informacion,
        ciberseguranca, ciberseguridad, erp, sap, peoplesoft, jd edwards, vmware, informatica, computer, computers,
        laptop, desktop, telecom, telecommunications, telecomunicacoes, telecomunicaciones, ict, mis, informatics,
        active directory, disaster recovery, unified communications, application support, applications support,
        application security, incident management, incident response, information services, microcomputer,
        microcomputers, malware, vulnerability, vulnerabilities, threat intelligence, threat hunting,
        penetration testing""",
    "engineering": """
        engineering, engrg, engenharia, ingenieria, software, r d, rd, pesquisa e desenvolvimento, investigacion y desarrollo,
        data, dados, datos, data science, machine learning, ml, ai, artificial intelligence, bi,
        business intelligence, inteligencia de negocios, analytics, devops, sre, frontend, front end, backend,
        back end, full stack, fullstack, ios, android, java, python, j2ee, sql, qa, process development,
        software quality, qualidade de software, calidad de software,
        decision support, tableau, power bi, cad, autocad, drafting, research and development, r and d, cognos,
        business objects, hadoop, etl, biostatistics, statistics, software testing, test automation,
        automation testing, data mining""",
    "sales": """
        sales, vendas, ventas, venda, venta, comercial, business development, desenvolvimento de negocios,
        desarrollo de negocios, new business, novos negocios, nuevos negocios, revenue,
        revops, salesops, sales operations, pre sales, presales, pre venda, pre vendas, preventa, pre venta,
        channel, canais, canales, partnerships, partner development, parcerias, alliances, aliancas, alianzas,
        telesales, televendas, televentas, telemarketing, lead generation, account management, partnership,
        franchise development, national accounts, strategic accounts, major accounts, global accounts,
        enterprise accounts, corporate accounts, named accounts""",
    "marketing": """
        marketing, mercadeo, mkt, mktg, mkting, growth, brand, branding, marca, communications, communication, comunicacao,
        comunicacion, comunicaciones, comms, public relations, relacoes publicas, relaciones publicas,
        content, conteudo, contenido, seo, sem, ppc, paid media, demand generation, demand gen, product marketing,
        social media, midias sociais, redes sociales, advertising, publicidade, publicidad, propaganda, creative,
        criacao, creativo, creativa, market research, pesquisa de mercado, investigacion de mercados, insights, insight,
        graphic design, web design, ad, ads, events, event, eventos, mercadotecnia, inteligencia de mercado,
        market intelligence, media, media relations, community relations, public affairs, merchandising,
        trade marketing, promotions, search engine optimization, search engine marketing, publicity, paid search,
        trade show, trade shows""",
    "product": """
        produto, producto, product management, product development, ux, ui, user experience,
        experiencia do usuario, experiencia de usuario""",
    "customer success": """
        customer success, client success, sucesso do cliente, exito del cliente, exito de clientes, cs, cx,
        customer service, servico ao cliente, servicio al cliente, atendimento, atencion al cliente,
        atencion a clientes, sac, customer support, suporte ao cliente, soporte al cliente, customer experience,
        experiencia do cliente, experiencia del cliente, client services, customer care, call center,
        contact center, relacionamento com o cliente, pos venda, postventa, post venta, onboarding,
        implementation, implantacao, implementacion, after sales, aftersales, member services""",
    "hr": """
        hr, rh, human resources, recursos humanos, rrhh, people operations, people and culture, gente e gestao,
        gente e cultura, talent, talento, talentos, talent acquisition, recruiting, recruitment, recrutamento,
        reclutamiento, recrutamento e selecao, seleccion, training, treinamento, capacitacion, learning and development,
        ld, compensation, remuneracao, compensaciones, benefits, beneficios, payroll, folha de pagamento, nomina,
        departamento pessoal, dp, personnel, departamento de personal, manpower, human resource, labor relations,
        labour relations, employee relations, staffing, hris, diversity, inclusion, organizational development,
        organization development, organisational development, employee engagement, wage, wages,
        leadership development, human capital, industrial relations""",
    "legal": """
        legal, juridic(o|a), compliance, cumplimiento, conformidade, contracts, contratos,
        regulatory, regulatorio, regulatory affairs, assuntos regulatorios, asuntos regulatorios, privacy,
        data protection, legales, asuntos legales, assuntos juridicos, contract, law, litigation, patent, patents,
        intellectual property""",
    "other": """
        medical, clinical, clinica, dental, hospital, nursing, enfermagem, enfermeria, patient, patients, pharmacy,
        farmacia, veterinary, therapy, rehab, school, escola, escuela, education, educacao,
        educacion, teaching, kitchen, cozinha, cocina, restaurant, hotel, hospitality, farm, agricultural, agricola,
        museum, church, library, military, army, navy, office, escritorio, oficina, clerical, secretarial,
        janitorial, housekeeping, laundry, salon, fitness, sports, casino, film, television,
        radio, music, theater, theatre, fashion, laboratory, lab, childcare, preschool, emergency, blood bank,
        nutrition, dietary, speech, counseling, counselling, agronomy, surgery, surgical, anesthesia, pediatric,
        psychiatric, behavioral, mental health, radiology, oncology, cardiology, respiratory, ambulatory, forestry,
        culinary, bakery, catering, beauty, cosmetology, jewelry, photography, archaeology, geology, chemistry,
        biology, physics, recreation, funeral, mortuary, pastoral, religious, rehabilitation, hospice, healthcare,
        wellness, medicine, educational, admissions, interior design, therapeutic, assisted living,
        outpatient, inpatient, clinic, pathology, phlebotomy, infection control""",
}

# Job nouns: an individual contributor, with the function used when no word above names one.
JOBS: dict[str | None, str] = {
    "engineering": """engineer, engenheir(o|a), ingenier(o|a), developer, desenvolvedor(a), desarrollador(a),
        programmer, programador(a), coder, eng, engr, data miner, statistician, biostatistician""",
    "sales": """seller, vendedor(a), promotor(a) de vendas, promotor(a) de ventas, account representative,
        account rep, account specialist, account associate, account strategist""",
    "it": "threat hunter, penetration tester",
    "marketing": "marketer, publicist, spokesperson",
    "operations": """buyer, purchaser, receiver, comprador(a), dispatcher, despachante, storekeeper, almoxarife, estoquista, conferente,
        roteirizador(a), expeditor, despachador(a), logistician, scheduler, almacenista, demand planner""",
    "other": """technician, tech, technologist, tecnic(o|a), clerk, inspector, tester, grader, examiner, artist, writer,
        editor, producer, scientist, hand, man, maker, inspetor(a), promotor(a), builder, server, officer,
        assistant, assistente, asistente, auxiliar, coach, adjuster, official, illustrator, historian, conservator,
        processor, decorator, rn, lpn, lvn, collector, guide, mate, applicator, separator, registrar, merchant,
        correspondent, paraprofessional, girl, boy, asst""",
    "finance": "auditor(a), controller, contralor, banker, trader, economist, appraiser, biller, comptroller, lender",
    # Job nouns that say nothing about the function.
    None: """analyst, analista, specialist, especialista, consultant, consultor(a), associate, advisor, adviser,
        assessor(a), asesor(a), representative, rep, representante, agent, agente, administrator, administrador(a),
        executive, executiv(o|a), ejecutiv(o|a), planner, planejador(a), planificador(a), architect, arquitet(o|a),
        arquitect(o|a), designer, disenador(a), professional, profissional, profesional, expert, generalist,
        strategist, estrategista, generalista, spec, assoc, admin, ambassador, investigator, interviewer, member, staff, employee,
        colaborador(a), funcionari(o|a), broker, trainer, master, evangelist, contractor, liaison, estimator,
        monitor, facilitator, evaluator, advocate, integrator, modeler, modeller, researcher, exec, teammate""",
}

# Generic words that give way to any named function, and abbreviations that double as a Brazilian state or a
# country code: "Gerente Comercial PR" works in Paraná, "AP Specialist" in accounts payable.
WEAK_DOMAINS: dict[str, str] = {
    "operations": """materials, material, materiais, materiales, operations, operation, operacoes, operacao, operaciones, operacion, ops, production, producao,
        produccion, manufacturing, mfg, fabricacao, manufactura, plant, factory, stock, business operations, maintenance,
        manutencao, mantenimiento, facilities, facility, assembly, fabrication, storage, supply, safety, ehs, hse,
        customs, buying""",
    "sales": "commercial, leasing, territory, wholesale",
    "finance": "risk, cash, ap, ar, asset, assets, accounts, quantitative, bond, bonds, portfolio",
    "marketing": "campaign, campaigns, pr, graphics",
    "product": "product",
    "engineering": """development, dev, desenvolvimento, desarrollo, technical, mobile, reporting, electronics,
        electronic, circuit, circuits, analog, firmware, embedded, hardware""",
    # Platforms: IT when nothing else names the job ("Linux Administrator"), engineering for "Linux Developer".
    "it": """systems, system, sys, suporte, soporte, virtualization, oracle, sharepoint, linux, unix, aix, solaris, citrix,
        cisco, mainframe, as400, as 400, cloud, cyber, edi, websphere, weblogic, middleware, netbackup, voip, lan,
        wan, noc, itil, servicenow, microsoft, dynamics, epic, windows""",
    "customer success": "customer, customers, client, clients, cliente, clientes, support",
    "legal": "immigration",
    "hr": "people, pessoas, gente, personas, employment, learning",
    "other": """security, seguranca, seguridad, food, machine, press, construction, mining, art, administrative,
        administrativ(o|a), textile, garment, foundry, sewing, science, obras, health, saude, salud, welding,
        plumbing, carpentry, masonry, hvac, machining, upholstery, care, crew, room, shop, home,
        fire, student, metal, labor, labour, mill, family, building, court, boat, child, academic, residential,
        guest, pipe, automotive, cleaning, yard, welfare, game, installation, steel, finishing, marine, college,
        university, fish, fishing, furnace, landscape, conservation, youth, housing, printing, mine, treatment,
        stone, club, wood, mold, meat, news, activities, spa, automobile, county, scientific, records, repair,
        instructional""",
}

# Sectors, trades and materials outside the business functions: weak `other` words, so "Kennel Supervisor" is a
# job outside the functions but "Kennel Sales Manager" is still sales. By sector, for review.
SETTINGS: dict[str, str] = {
    "healthcare": """medicare, medicaid, immunology, microbiology, cardiac, cardiovascular, vascular, pulmonary,
        renal, dialysis, neurology, orthopedic, orthopedics, orthopaedic, pediatrics, paediatric, geriatric,
        obstetric, obstetrics, maternity, neonatal, icu, trauma, palliative, disease, diabetes, hearing, audiology,
        optical, optometry, ophthalmic, dermatology, endoscopy, ultrasound, sonography, mri, x ray, histology,
        cytology, transplant, blood, imaging, orthodontic, chiropractic, podiatry, psychology, addiction,
        substance abuse, abuse, crisis, utilization, caregiving, home care, nursing home, senior living,
        long term care, pharmaceutical, clinical trial, clinical trials, physical therapy, occupational therapy,
        eligibility, intervention, disability, hospice care, cancer, genetic, genetics, immunization, vaccine,
        epidemiology, lactation, perinatal, prenatal, postpartum, memory care, admitting, sterile processing,
        radiation, heart, ob gyn, casework, enrichment""",
    "education": """curriculum, instruction, classroom, campus, enrollment, alumni, tutoring, literacy, childhood,
        early childhood, kindergarten, elementary, secondary, high school, middle school, special education, esl,
        vocational, guidance, distance learning, learning support, athletic, athletics, residence life, dormitory,
        faculty affairs, student affairs, title i, academy, teen, adolescent""",
    "hospitality": """banquet, banquets, bar, lounge, pub, cafe, cafeteria, dining, food service, beverage, buffet,
        pastry, deli, grocery, produce, seafood, lodging, resort, motel, gaming, slot, slots, pit, hair, nail,
        nails, cosmetic, cosmetics, tanning, travel, tour, tours, tourism, cruise, amusement, recreational, park,
        parks, pool, aquatic, aquatics, golf, tennis, ski, gym, camp, poker, wedding, ticket, tickets, box office,
        cinema, gallery, exhibit, exhibits, zoo, concession, concessions, reservations, vending, car wash, store,
        stores, retail, liquor, wine, winery, brewery, distillery""",
    "agriculture": """animal, animals, kennel, pet, pets, horse, horses, equine, stable, barn, livestock, poultry,
        dairy, cattle, hog, swine, farming, ranch, crop, crops, grain, fruit, vegetable, vegetables, orchard,
        vineyard, greenhouse, nursery, garden, gardening, landscaping, lawn, tree, trees, forest, logging, timber,
        lumber, sawmill, wildlife, fishery, fisheries, hatchery, aquaculture, shellfish, irrigation, soil,
        agriculture, grounds, feed, seed, cotton, tobacco, sugar, planting, cultivation, erosion, landfill,
        harvesting, floral, extension, environmental, remediation""",
    "public service": """government, federal, municipal, city, town, public works, corrections, correctional, jail,
        prison, detention, probation, parole, judicial, border, homeland, intelligence, defense, defence, infantry,
        artillery, combat, cavalry, naval, air force, missile, weapons, ordnance, explosive, explosives, postal,
        mail, sanitation, waste, garbage, refuse, recycling, water, wastewater, utility, utilities, nuclear,
        code enforcement, enforcement, sustainability, emergency management, disaster, social services, human services,
        child welfare, foster care, adoption, economic development, community development, land development,
        veterans, shelter, homeless, ministry, worship, choir, volunteers, volunteer services, fundraising, donor,
        donors, philanthropy, political, squad, annual giving, major gifts, nonprofit, non profit, community,
        council, parish, public health, environmental health, fire protection, asset protection, surveillance,
        patrol""",
    "arts and media": """broadcast, broadcasting, video, audio, sound, studio, stage, dance, drama, costume,
        costumes, wardrobe, makeup, animation, newspaper, magazine, publishing, publications, editorial, journalism,
        book, books, entertainment, circus, craft, crafts, casting, camera, motion picture, picture, set design,
        choral, orchestra, opera, ballet, literary""",
    "manufacturing": """plastic, plastics, glass, paper, pulp, yarn, fabric, cloth, leather, shoe, shoes, footwear,
        hat, apparel, knitting, weaving, spinning, dyeing, dye, cutting, coating, painting, paint, plating,
        polishing, grinding, drilling, boring, milling, casting, molding, moulding, forging, forming, rolling,
        stamping, extrusion, tooling, tool, tools, die, dies, drying, mixing, blending, baking, brewing, canning,
        bottling, curing, slaughtering, candy, chocolate, confectionery, cigar, cigarette, yeast, flour, chemical,
        chemicals, acid, paste, powder, cement, concrete, brick, tile, marble, granite, clay, ceramic, ceramics,
        pottery, kiln, steam, heat treat, iron, aluminum, copper, wire, cable, coil, lens, lenses, instrument,
        instruments, semiconductor, battery, motor, motors, engine, engines, pump, pumps, pumping, valve, tire,
        tires, wheel, wheels, collision, auto body, furniture, cabinet, lumber yard, engraving, photoengraving,
        bindery, box, carton, container, bottle, label, loom, looms, knitting machine, sewing machine, shuttle,
        veneer, plywood, fiberglass, foam, asbestos, cannery, slaughterhouse, packinghouse, refinery, refining,
        mixing room, melt, shearing, winding, grading, sorting""",
    "construction": """roofing, paving, asphalt, drywall, plaster, insulation, flooring, carpet, framing,
        demolition, excavation, earthmoving, heavy equipment, crane, rigging, scaffolding, refrigeration, pipeline,
        pipelines, well, wells, oil well, gas well, oil field, oilfield, petroleum, quarry, coal, coke, ore,
        elevator, escalator, glazing, fence, snow removal, pest control, exterminating, custodial, dry cleaning,
        chimney, electrical contracting, levee, dredge, dredging, bridge, bridges, highway, road, roads, street,
        streets, railroad, railway, rail, track, locomotive, signal, signals, tunnel""",
    "transport and energy": """bus, taxi, cab, limousine, ambulance, train, trains, ship, ships, vessel, vessels,
        barge, tug, tugboat, ferry, harbor, harbour, deck, stevedoring, baggage, ramp, gate, passenger, passengers,
        airline, airlines, flight, aviation, aircraft, airport, parking, tow, towing, substation, hydro, solar,
        wind, electric power, energy, oil, gas, parachute""",
    "security and safety": """loss control, fraud investigation, investigative, investigations, criminal, crime,
        forensic, forensics, fire, firefighting""",
}

# ---------------------------------------------------------------------------------------------
# Seniority words: level -> phrases (context rules for head, lead, chief and principal live in titles.py)
# ---------------------------------------------------------------------------------------------
LEVELS: dict[str, str] = {
    "c-level": "",  # c-level titles are roles (they also name a function): see ROLES
    "vp": """vp, svp, evp, avp, vice president, vicepresident, vice presidente, vicepresidente, vice presidenta,
        vicepresidenta, senior vice president, executive vice president, assistant vice president""",
    "director": """director(a), diretor(a), dir, directeur, associate director, assistant director,
        deputy director, subdirector(a), subdiretor(a), executive director, senior director, superintendente""",
    "head": "head, jefe, jefa, chefe, chief, chair, department chair",
    "manager": """manager, assistant manager, deputy manager, mgr, mngr, gerente, subgerente, sub gerente,
        coordinator, coordenador(a), coordinador(a), coord, supervisor(a), foreman, forewoman, foreperson,
        encarregad(o|a), encargad(o|a), capataz, superintendent, boss, lead, team lead, team leader, leader, lider,
        gestor(a), lider de equipe, lider de equipo, superintendant, supvr, supv, spvr, sprvsr, supt, in charge""",
}

# Jobs that are individual-contributor levels on their own ("Intern", "Estagiário").
IC_MARKERS = """intern, interns, internship, trainee, apprentice, estagiari(o|a), aprendiz, practicante, becari(o|a),
    pasante"""

# Modifiers that mark an individual contributor only when the title also names a function ("Sr. Marketing").
IC_MODIFIERS = "senior, sr, junior, jr, pleno, pl, ssr, semi senior, entry level, i, ii, iii, iv, n1, n2, n3"

# Words that may stand before "head" when it is a level: "Global Head Zorbling", "Co-Head, Sales".
HEAD_QUALIFIERS = """co, deputy, vice, global, regional, group, senior, sr, joint, acting, interim, assistant, associate,
    national, country, divisional, department, dept"""

# Words after which "head" is the "Head of ..." seniority ("Head of Logistics", "Head de Logística").
PREPOSITIONS = "of, de, da, do, das, dos, del, la, el, for, para"

# English job nouns are often made from a verb or a field: "Oiler", "Brakeman", "Physicist". An unknown head
# word with one of these endings is read as a job outside the business functions (kind "guess", ranked above the
# weak words only: "Stock Wetter" is frontline work, "Sales Caller" still sales).
AGENT_ENDINGS = """er, ers, ist, ists, ician, icians, ian, ians, man, men, woman, women, person, or, ors, smith, smiths,
        wright, wrights, hand, hands, wife, boy, boys, eur, euse"""
NOT_AGENTS = """human, other, others, after, under, over, center, centre, corner, summer, winter, number, super,
        upper, lower, inner, outer, ever, never, user, users, peer, peers, together, quarter, headquarter,
        cluster, ginger, floor, floors, door, doors, mirror, conveyor, motor, motors, tractor, reactor, radiator,
        factor, harbor, harbour, color, colour, colors, sector, sectors, setor, vector, error, interior, exterior,
        minor, armor, armour, semiconductor, semiconductors, valor, menor, maior, melhor, cor, calor, flor, fator,
        trator, elevador, ventilador, indicador, indicadores, computador, ordenador, servidor, terror, horror, honor,
        humor, rumor, tumor, vapor, favor, decor, sensor, sensors, asian, indian, canadian, italian, brazilian,
        australian, russian, christian, median, meridian, european, american, african, mexican, colombian, peruvian,
        order, orders, transfer, offer, power, member, members, letter, register, chapter, matter, weather, laser,
        fiber, fibre, rubber, silver, polymer, folder, trailer, shorthand, beforehand, offhand, secondhand, freehand, backhand, forehand, liqueur, grandeur"""

# A job noun followed by a particle names the job by the noun: "Layer-Off", "Cutter-In", "Setter Up".
PARTICLES = "up, off, out, in, on, down, over, away, back"

# Department words that name the job when they come last in an English compound: "Software Sales" sells, "IT
# Procurement" buys, "Database Marketing" markets, "Sales Tax" is finance ("Sales & Marketing" is not a compound).
COMPOUND_HEADS = """sales, marketing, finance, accounting, tax, billing, credit, collections, procurement, purchasing,
        compliance, privacy, legal, recruiting, recruitment, talent acquisition, business development"""

# Phrases that contain a seniority or function word but mean neither (matched first, then ignored).
IGNORED_PHRASES = """head office, home office, head start, headquarters, management, gerencia, diretoria, direccion,
        directorate, presidencia, corporate development"""
