"""The built-in templates: everyday replies of an SEO specialist, in Russian and English.

A template of the same name in ``[[templates]]`` or the templates folder replaces the
built-in one (per language).  Fields they ask for when the thread and the config do not
know them: ``{summary}``, ``{access}``, ``{request}``, ``{materials_link}``, ``{deadline}``
(a project can fill ``{report_link}`` and others in its ``fields``).
"""

from __future__ import annotations

from inscope.templates.model import Template

BUILTIN: tuple[Template, ...] = (
    Template(
        "monthly-report",
        "{client_name}, добрый день!\n\n"
        "Отчёт по SEO за прошлый месяц готов: {report_link}\n\n"
        "Коротко: {summary}\n\n"
        "Если появятся вопросы — отвечу {next_window}.",
        language="ru", description="Ежемесячный отчёт: ссылка и главное в двух словах"),
    Template(
        "monthly-report",
        "Hi {client_name},\n\n"
        "The SEO report for last month is ready: {report_link}\n\n"
        "In short: {summary}\n\n"
        "If anything is unclear, I will answer {next_window}.",
        language="en", description="Monthly report: the link and the gist"),
    Template(
        "access-request",
        "{client_name}, добрый день!\n\n"
        "Чтобы продолжить работы по проекту {project}, мне нужен доступ: {access}.\n"
        "Как только он появится, сразу продолжу. Спасибо!",
        language="ru", description="Запросить доступ (Search Console, Метрика, CMS, хостинг)"),
    Template(
        "access-request",
        "Hi {client_name},\n\n"
        "To carry on with {project} I need access to: {access}.\n"
        "I will pick it up as soon as it is there. Thank you!",
        language="en", description="Ask for access (Search Console, Analytics, the CMS, hosting)"),
    Template(
        "next-window",
        "{client_name}, спасибо, сообщение вижу! Подробно отвечу {next_window}.",
        language="ru", description="Получено — отвечу в ближайшее окно"),
    Template(
        "next-window",
        "Thanks, {client_name} — got it. I will reply in detail {next_window}.",
        language="en", description="Got it — a full answer in my next reply window"),
    Template(
        "out-of-scope",
        "{client_name}, спасибо за запрос! {request} не входит в текущий объём работ по "
        "проекту {project}, поэтому передаю вопрос аккаунт-менеджеру ({account_manager}): "
        "он свяжется с вами по срокам и стоимости.",
        language="ru", description="Вне договора — передаю аккаунт-менеджеру"),
    Template(
        "out-of-scope",
        "Thanks for asking, {client_name}! {request} is outside the current scope of work on "
        "{project}, so I am passing it to our account manager ({account_manager}), who will "
        "get back to you about timing and cost.",
        language="en", description="Out of scope — passed to the account manager"),
    Template(
        "approval",
        "{client_name}, добрый день! Отправляю на согласование: {materials_link}\n\n"
        "Пожалуйста, посмотрите и подтвердите до {deadline} — или напишите правки.",
        language="ru", description="Материалы на согласование со сроком"),
    Template(
        "approval",
        "Hi {client_name}, here is the material for your approval: {materials_link}\n\n"
        "Please have a look and confirm by {deadline}, or send me your edits.",
        language="en", description="Material for approval, with a deadline"),
)
"""Every built-in template (names repeat once per language)."""
